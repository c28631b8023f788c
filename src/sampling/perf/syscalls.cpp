// Never include <linux/perf_event.h> here: perfmon/perf_event.h defines the same types.
#include "augur/sampling/perf/syscalls.h"

#include <fcntl.h>
#include <perfmon/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace augur::sampling {

PerfSyscalls real_perf_syscalls() {
  PerfSyscalls s;
  s.perf_event_open = [](perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
                         unsigned long flags) {
    return static_cast<int>(::syscall(__NR_perf_event_open, &attr, pid, cpu, group_fd, flags));
  };
  s.read = [](int fd, void* buf, std::size_t len) { return ::read(fd, buf, len); };
  s.close = [](int fd) { return ::close(fd); };
  s.ioctl = [](int fd, unsigned long request, unsigned long arg) {
    return ::ioctl(fd, request, arg);
  };
  s.pidfd_open_thread = [](pid_t tid) {
    // PIDFD_THREAD is O_EXCL (include/uapi/linux/pidfd.h); glibc 2.36 does not name it.
    return static_cast<int>(::syscall(SYS_pidfd_open, tid, O_EXCL));
  };
  s.poll_now = [](pollfd* fds, nfds_t n) { return ::poll(fds, n, 0); };
  s.open_directory = [](const std::string& path) {
    return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  };
  s.get_nofile_limit = [](rlimit& out) { return ::getrlimit(RLIMIT_NOFILE, &out); };
  s.set_nofile_limit = [](const rlimit& limit) { return ::setrlimit(RLIMIT_NOFILE, &limit); };
  return s;
}

}  // namespace augur::sampling
