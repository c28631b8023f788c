#pragma once
// Self-labelling: watches every open pattern's instance over (t, t+H] and turns what it
// needed into the pattern's outcome (see Outcome in pattern.h for the label's definition).
//
// A Sample counts for the instant it ends (Sample::at): samples with t < at <= t+H are in
// the window. The first Sample with at >= t+H closes the window and labels the pattern.
// A pattern whose instance vanished before t+H is dropped unlabelled: either the caller
// says so (forget_instance) or no Sample reached t+H by t+H+grace (drop_stale); so is a
// pattern whose window held no Sample. Not thread-safe: the analyser thread owns it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/sample.h"
#include "augur/predict/pattern.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::predict {

struct LabellerOptions {
  Nanos horizon = std::chrono::seconds(1800);  // config predict.horizon
  Nanos grace = std::chrono::seconds(120);     // after t+H, for a late Sample
  std::size_t max_open = 100000;               // oldest open pattern dropped beyond this
};

struct LabelEvents {
  std::vector<Pattern> labelled;     // outcome set, ready for the predictor's history
  std::vector<std::string> dropped;  // ids of patterns that will never be labelled
};

class OutcomeLabeller {
 public:
  explicit OutcomeLabeller(LabellerOptions options);

  // Starts watching `pattern` (its need_at_start is the reference). Errors when the pattern
  // is already labelled or its id is open already. Beyond max_open the oldest open
  // pattern is dropped and its id returned in the events of the next call.
  Status open(Pattern pattern);
  // Replaces an open pattern's drift (delta, its unit direction, magnitude) with a refined
  // one, keeping its start, reference need and allocation; returns a copy of the pattern as
  // it now is. Errors when no pattern of that id is open, or the drift is unusable (see
  // make_pattern) or of another length.
  Result<Pattern> refine(std::string_view id, const std::vector<double>& delta, double magnitude);
  // One Sample of one instance; `now_unix_ms` stamps the labels made by it.
  LabelEvents observe(const Sample& sample, std::int64_t now_unix_ms);
  // The instance is gone: its open patterns are dropped (ids returned).
  std::vector<std::string> forget_instance(std::string_view instance_id);
  // Drops patterns with now > t+H+grace (no Sample reached t+H: instance vanished).
  std::vector<std::string> drop_stale(SteadyTime now);

  [[nodiscard]] std::size_t open_count() const { return open_.size(); }

 private:
  struct Open {
    Pattern pattern;
    Need peak;  // running max of need over the window, NaN until a known value
    std::size_t samples = 0;
  };
  LabellerOptions options_;
  std::vector<Open> open_;  // in open() order
  std::vector<std::string> overflow_dropped_;
};

}  // namespace augur::predict
