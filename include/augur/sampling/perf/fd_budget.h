#pragma once
// Perf counters cost one file descriptor per event per thread: the fd limit is the budget.
#include <cstddef>

#include "augur/sampling/perf/syscalls.h"
#include "augur/util/result.h"

namespace augur::sampling {

// Descriptors kept back for the rest of the daemon (sockets, cgroup files, the store).
inline constexpr std::size_t kFdReserve = 256;

// Makes sure `perf_fds` descriptors (all the counter set will hold) plus kFdReserve fit
// under RLIMIT_NOFILE, raising the soft limit to the hard limit when needed. An Error says
// how many are needed and how many the hard limit allows.
[[nodiscard]] Status ensure_fd_budget(std::size_t perf_fds, const PerfSyscalls& sys);

}  // namespace augur::sampling
