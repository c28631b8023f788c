#include "augur/daemon/tick_schedule.h"

namespace augur::daemon {

NextTick TickSchedule::after(SteadyTime served, SteadyTime now) const {
  NextTick next{served + interval_, 0};
  if (next.deadline > now) return next;
  // Overran: jump to the first grid point after now and count the ones skipped.
  const auto behind = (now - origin_) / interval_;  // whole intervals since the origin
  next.deadline = origin_ + interval_ * (behind + 1);
  next.missed = static_cast<std::uint64_t>((next.deadline - served) / interval_) - 1;
  return next;
}

}  // namespace augur::daemon
