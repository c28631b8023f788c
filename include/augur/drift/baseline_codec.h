#pragma once
// Baselines to and from text, for the store. The text is a JSON object:
//   {"format": "augur.baseline", "format_version": 2, "feature_table_version": V,
//    "fingerprints": N,
//    "features": [{"name": "cpu_usage_cores.mean", "count": c, "mean": m, "m2": s}, ...],
//    "score_histogram": {"min_score": 0.01, "bins_per_decade": 40, "counts": [...]},
//    "slow_score_histogram": {the same, of the slow channel's scores},
//    "covariance": null | {"count": c, "mask": [...], "mean": [...], "comoment": [...]}}
// Doubles are written in their shortest exact form, so a round trip is bit-exact.
// Version 1 (before the slow channel) is read with an empty slow histogram: the baseline's
// fast channel judges at once, its slow channel once it has collected its sample again.
// A newer version is rejected.
// A baseline of another feature table version is rejected (not converted): its features
// mean something else, so the store drops it and the baseline is relearned.
#include <string>
#include <string_view>

#include "augur/drift/baseline.h"
#include "augur/util/result.h"

namespace augur::drift {

inline constexpr int kBaselineFormatVersion = 2;

[[nodiscard]] std::string serialize(const Baseline& baseline);

// Never throws; garbage, another format or feature table version is an Error saying which.
[[nodiscard]] Result<Baseline> deserialize(std::string_view text);

}  // namespace augur::drift
