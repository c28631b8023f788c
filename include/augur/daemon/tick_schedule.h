#pragma once
// A steady tick that does not accumulate drift: deadlines sit on the grid
// origin + k * interval, so a slow tick delays only itself. When a tick overruns past one or
// more grid points, those ticks are skipped (not run back to back) and counted.
#include <cstdint>

#include "augur/util/clock.h"

namespace augur::daemon {

struct NextTick {
  SteadyTime deadline;
  std::uint64_t missed = 0;  // grid points skipped because the previous tick overran
};

class TickSchedule {
 public:
  TickSchedule(SteadyTime origin, Nanos interval) : origin_(origin), interval_(interval) {}

  [[nodiscard]] SteadyTime first() const { return origin_ + interval_; }

  // The next grid point strictly after `now`, given the deadline just served.
  [[nodiscard]] NextTick after(SteadyTime served, SteadyTime now) const;

  [[nodiscard]] Nanos interval() const { return interval_; }

 private:
  SteadyTime origin_;
  Nanos interval_;
};

}  // namespace augur::daemon
