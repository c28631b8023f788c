#pragma once
// A drift episode's pattern: what the drift looked like when it started, and, once the
// horizon has passed, what the instance went on to need (its outcome).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/resource.h"
#include "augur/core/sample.h"
#include "augur/predict/need.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::predict {

// The label: the peak need over (t, t+H] minus the need at t, per resource (negative when
// the need fell). Peak rather than mean because allocations must cover the peak; a Sample
// is already a rate over one tick, so one-tick spikes are averaged over the tick.
struct Outcome {
  ResourceVector increase;                    // NaN: not measured before or after
  double disk_ops_increase_per_s = kUnknown;  // disk operations, apart from bandwidth
  std::int64_t labelled_unix_ms = 0;
  bool operator==(const Outcome&) const;  // NaN equals NaN
};

struct Pattern {
  std::string id;  // unique; the store's record id
  std::string host_id;
  std::string instance_id;
  std::string app_type;            // "" when unknown: a type of its own for the penalty
  SteadyTime start{};              // for labelling
  std::int64_t start_unix_ms = 0;  // for records and age eviction
  double magnitude = 0;            // drift score at the start
  std::uint32_t feature_table_version = 0;
  std::vector<double> delta;       // the fingerprint delta (standardized difference vector)
  std::vector<double> direction;   // delta / |delta|: unit vector over the feature table
  Need need_at_start;              // the labelling reference (need_from_sample at t)
  ResourceVector allocation;       // at the start
  ResourceVector host_load;        // host utilisation per resource at the start, 0..1
  std::optional<Outcome> outcome;  // empty until labelled

  [[nodiscard]] bool labelled() const { return outcome.has_value(); }
  bool operator==(const Pattern&) const;  // NaN equals NaN
};

// delta / |delta|; an error when delta is empty, non-finite or zero.
Result<std::vector<double>> unit_direction(const std::vector<double>& delta);

// The pattern of an episode that just started: magnitude is the episode's score at the
// start (its peak so far), delta its direction, need and allocation from the Sample at the
// start. Errors when the direction cannot be normalised or the magnitude is not positive.
Result<Pattern> make_pattern(const DriftEpisode& episode, std::uint32_t feature_table_version,
                             const Sample& at_start, const ResourceVector& host_load,
                             std::string id, std::string host_id, std::int64_t start_unix_ms);

}  // namespace augur::predict
