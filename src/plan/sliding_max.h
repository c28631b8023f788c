#pragma once
// Maximum of the values seen over a sliding time window, in amortised O(1) per push
// (monotonic deque: a value is dropped once a later, larger one arrives).
#include <deque>
#include <limits>
#include <utility>

#include "augur/util/clock.h"

namespace augur::plan {

class SlidingMax {
 public:
  // Adds v at time t and forgets values at or before t - window.
  void push(SteadyTime t, double v, Nanos window) {
    while (!q_.empty() && q_.back().second <= v) q_.pop_back();
    q_.emplace_back(t, v);
    while (!q_.empty() && q_.front().first <= t - window) q_.pop_front();
  }
  // NaN when nothing is held.
  [[nodiscard]] double max() const {
    return q_.empty() ? std::numeric_limits<double>::quiet_NaN() : q_.front().second;
  }
  void clear() { q_.clear(); }

 private:
  std::deque<std::pair<SteadyTime, double>> q_;
};

}  // namespace augur::plan
