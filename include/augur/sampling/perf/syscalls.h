#pragma once
// The system calls the counter code makes, behind one replaceable struct so tests can
// inject failures (ENOENT for hardware events, ESRCH for a vanished thread, a small
// RLIMIT_NOFILE). Each member behaves like the libc call: -1 with errno set on failure.
#include <poll.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>

struct perf_event_attr;  // from perfmon/perf_event.h, included only by .cpp files

namespace augur::sampling {

struct PerfSyscalls {
  std::function<int(perf_event_attr& attr, pid_t pid, int cpu, int group_fd, unsigned long flags)>
      perf_event_open;
  std::function<ssize_t(int fd, void* buf, std::size_t len)> read;
  std::function<int(int fd)> close;
  std::function<int(int fd, unsigned long request, unsigned long arg)> ioctl;
  // pidfd_open(tid, PIDFD_THREAD) (Linux 6.9+): a descriptor that polls readable once the
  // thread exits. Counter fds cannot tell: an exited thread's events keep answering read()
  // with their final counts, and poll() on a perf fd without a ring buffer is always POLLHUP.
  std::function<int(pid_t tid)> pidfd_open_thread;
  std::function<int(pollfd* fds, nfds_t n)> poll_now;          // poll(fds, n, 0)
  std::function<int(const std::string& path)> open_directory;  // O_RDONLY|O_DIRECTORY|O_CLOEXEC
  std::function<int(rlimit& out)> get_nofile_limit;
  std::function<int(const rlimit& limit)> set_nofile_limit;
};

// The real calls.
[[nodiscard]] PerfSyscalls real_perf_syscalls();

}  // namespace augur::sampling
