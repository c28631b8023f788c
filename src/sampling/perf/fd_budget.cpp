#include "augur/sampling/perf/fd_budget.h"

#include <cerrno>
#include <string>

namespace augur::sampling {

Status ensure_fd_budget(std::size_t perf_fds, const PerfSyscalls& sys) {
  rlimit lim{};
  if (sys.get_nofile_limit(lim) != 0)
    return errno_error("cannot read fd limit", "getrlimit(RLIMIT_NOFILE)");
  const auto needed = static_cast<rlim_t>(perf_fds + kFdReserve);
  if (lim.rlim_cur == RLIM_INFINITY || needed <= lim.rlim_cur) return {};
  if (lim.rlim_max != RLIM_INFINITY && needed > lim.rlim_max) {
    return Error{"fd budget exceeded: " + std::to_string(perf_fds) + " perf counter fds + " +
                     std::to_string(kFdReserve) + " reserved = " + std::to_string(needed) +
                     " needed, RLIMIT_NOFILE hard limit allows " + std::to_string(lim.rlim_max),
                 "RLIMIT_NOFILE", 0};
  }
  const rlimit raised{lim.rlim_max, lim.rlim_max};
  if (sys.set_nofile_limit(raised) != 0) {
    const int err = errno;
    return Error{"cannot raise the fd limit to " + std::to_string(lim.rlim_max) + " for " +
                     std::to_string(needed) + " fds",
                 "setrlimit(RLIMIT_NOFILE)", err};
  }
  return {};
}

}  // namespace augur::sampling
