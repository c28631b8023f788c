#pragma once
// Observe mode scores itself: every would-be increase is checked against what need did
// over the following horizon. Pure and fed ticks; time only from the arguments.
//
// Definitions (per instance and resource; H = horizon):
//  - A would-be increase at t with allocation a0 is a true positive when need exceeds a0
//    at some observation in (t, t + H], a false positive when an observation after t + H
//    (or advance() past t + H) comes first, pending until then.
//  - A rise is an observation where need exceeds the allocation in force while the
//    previous observation of the same instance and resource did not (the first
//    observation only sets that state). It was anticipated when a would-be increase was
//    recorded in [t - H, t) — strictly before, since a decision taken on the tick that saw
//    the rise is reaction, not anticipation — else it is a false negative.
//  - precision = true positives / (true positives + false positives);
//    recall = anticipated rises / rises. NaN when the denominator is zero.
// Per tick, call observe() for the tick's need and allocation first, then record_plan()
// (or record_increase()) with the planner's decisions of that tick.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "augur/core/decisions.h"
#include "augur/core/resource.h"
#include "augur/util/clock.h"

namespace augur::plan {

struct ObserveScore {
  std::uint64_t increases = 0;
  std::uint64_t true_positives = 0;
  std::uint64_t false_positives = 0;
  std::uint64_t pending = 0;
  std::uint64_t rises = 0;
  std::uint64_t rises_anticipated = 0;
  std::uint64_t false_negatives = 0;

  [[nodiscard]] double precision() const;
  [[nodiscard]] double recall() const;
  bool operator==(const ObserveScore&) const = default;
};

class ObserveScorer {
 public:
  explicit ObserveScorer(Nanos horizon);

  void record_increase(std::string_view instance_id, Resource r, SteadyTime at,
                       double allocation_at_decision);
  // Records every increase among the plan's changes, at plan.at, with its old value.
  void record_plan(const Plan& plan);

  // One observation of need and the allocation in force. NaN values are ignored.
  void observe(std::string_view instance_id, Resource r, SteadyTime at, double need,
               double allocation);
  void observe(std::string_view instance_id, SteadyTime at, const ResourceVector& need,
               const ResourceVector& allocation);

  // Resolves every increase whose horizon ended before `now` (as false positive).
  void advance(SteadyTime now);
  void forget(std::string_view instance_id);

  [[nodiscard]] ObserveScore score() const;

 private:
  struct Open {
    SteadyTime at{};
    double allocation = 0;
  };
  struct Track {
    std::deque<Open> open;          // increases awaiting their outcome
    std::deque<SteadyTime> recent;  // increases within the last horizon, for rises
    bool seen = false;
    bool above = false;
  };
  void expire(Track& t, SteadyTime now);

  Nanos horizon_;
  std::map<std::pair<std::string, Resource>, Track, std::less<>> tracks_;
  ObserveScore score_;
};

}  // namespace augur::plan
