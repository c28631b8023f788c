#pragma once
// Instances that declare no application type get the nearest trusted type baseline.
//
// Nearest: the smallest Euclidean drift score over the trusted, calibrated type baselines.
// It fits when that score is within the type's own threshold (so it looks like an
// in-control window of that type). Confidence in [0, 1]: with two or more candidates,
// 1 - best / second best (how clearly the best one wins); with one, 1 - score / threshold
// (how comfortably it fits).
#include <optional>
#include <string>

#include "augur/core/decisions.h"
#include "augur/drift/baseline_set.h"
#include "augur/drift/distance.h"

namespace augur::drift {

struct TypeMatch {
  std::string app_type;
  double score = 0;
  double threshold = 0;
  double confidence = 0;
  bool fits = false;  // score <= threshold
};

// nullopt when there is no trusted, calibrated type baseline. `scratch` is reused.
[[nodiscard]] std::optional<TypeMatch> nearest_type(const Fingerprint& fp, const BaselineSet& set,
                                                    double quantile, double relative_floor,
                                                    Standardized& scratch);

}  // namespace augur::drift
