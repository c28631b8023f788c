#pragma once
// A fake perf_event kernel behind PerfSyscalls: lets tests inject what this host cannot
// produce (a PMU that refuses groups, multiplexing, threads exiting at chosen moments).
#include <perfmon/perf_event.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "augur/sampling/perf/syscalls.h"

namespace augur::sampling::testing {

struct FakeEvent {
  pid_t pid = 0;
  int cpu = -1;
  unsigned long flags = 0;
  std::uint32_t type = 0;
  std::uint64_t config = 0;
  int leader = -1;  // own fd for a leader
  std::uint64_t id = 0;
  bool enabled = false;
  bool opened_disabled = false;
  std::uint64_t read_format = 0;
  bool exclude_hv = false;
  bool exclude_kernel = false;
  bool inherit = false;
};

struct FakeKernel {
  int next_fd = 1000;
  std::uint64_t next_id = 500;
  std::map<int, FakeEvent> events;  // by fd; fds rise, so map order is creation order
  int hardware_leader_errno = 0;    // refuse every hardware leader with this
  int hardware_member_errno = 0;    // refuse hardware members joining a group with this
  int software_errno = 0;
  bool hardware_groups_never_run = false;  // multi-event hardware groups get time_running 0
  std::set<pid_t> gone_at_open;
  std::set<pid_t> exited;
  int hardware_open_attempts = 0;
  int reads = 0;
  std::map<int, int> reads_of;         // per leader fd
  bool pidfd_thread_supported = true;  // false: a kernel before 6.9 (EINVAL)
  int next_pidfd = 50000;
  std::map<int, pid_t> pidfds;
  std::set<int> closed_dirs;
  rlimit limit{1 << 20, 1 << 20};

  PerfSyscalls syscalls() {
    PerfSyscalls s;
    s.perf_event_open = [this](perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
                               unsigned long flags) {
      return open(attr, pid, cpu, group_fd, flags);
    };
    s.read = [this](int fd, void* buf, std::size_t len) { return read(fd, buf, len); };
    s.close = [this](int fd) {
      if (events.erase(fd) == 0 && pidfds.erase(fd) == 0) closed_dirs.insert(fd);
      return 0;
    };
    s.ioctl = [this](int fd, unsigned long request, unsigned long arg) {
      auto it = events.find(fd);
      if (it == events.end()) {
        errno = EBADF;
        return -1;
      }
      if (request == PERF_EVENT_IOC_ID) {
        std::memcpy(reinterpret_cast<void*>(arg), &it->second.id, sizeof(std::uint64_t));
      } else if (request == PERF_EVENT_IOC_ENABLE) {
        it->second.enabled = true;
      }
      return 0;
    };
    s.pidfd_open_thread = [this](pid_t tid) {
      if (!pidfd_thread_supported) return fail(EINVAL);
      if (gone_at_open.contains(tid)) return fail(ESRCH);
      pidfds[next_pidfd] = tid;
      return next_pidfd++;
    };
    s.poll_now = [this](pollfd* fds, nfds_t n) {
      int ready = 0;
      for (nfds_t i = 0; i < n; ++i) {
        const auto it = pidfds.find(fds[i].fd);
        fds[i].revents = 0;
        if (it == pidfds.end()) {
          fds[i].revents = POLLNVAL;
        } else if (exited.contains(it->second)) {
          fds[i].revents = POLLIN | POLLHUP;  // as a PIDFD_THREAD pidfd once the thread exited
          ++ready;
        }
      }
      return ready;
    };
    s.open_directory = [](const std::string&) { return 7; };
    s.get_nofile_limit = [this](rlimit& out) {
      out = limit;
      return 0;
    };
    s.set_nofile_limit = [this](const rlimit& l) {
      limit = l;
      return 0;
    };
    return s;
  }

  int open(const perf_event_attr& attr, pid_t pid, int cpu, int group_fd, unsigned long flags) {
    const bool hardware = attr.type != PERF_TYPE_SOFTWARE;
    if (hardware && group_fd < 0) ++hardware_open_attempts;
    if (gone_at_open.contains(pid)) return fail(ESRCH);
    if (!hardware && software_errno != 0) return fail(software_errno);
    if (hardware && group_fd < 0 && hardware_leader_errno != 0) return fail(hardware_leader_errno);
    if (hardware && group_fd >= 0 && hardware_member_errno != 0) return fail(hardware_member_errno);
    const int fd = next_fd++;
    FakeEvent ev{pid,         cpu,
                 flags,       attr.type,
                 attr.config, group_fd < 0 ? fd : group_fd,
                 next_id++,   attr.disabled == 0};
    ev.opened_disabled = attr.disabled != 0;
    ev.read_format = attr.read_format;
    ev.exclude_hv = attr.exclude_hv != 0;
    ev.exclude_kernel = attr.exclude_kernel != 0;
    ev.inherit = attr.inherit != 0;
    events[fd] = ev;
    return fd;
  }

  ssize_t read(int fd, void* buf, std::size_t len) {
    ++reads;
    const std::uint64_t nth = static_cast<std::uint64_t>(++reads_of[fd]);
    const auto& leader = events.at(fd);
    if (exited.contains(leader.pid)) return 0;
    std::vector<const FakeEvent*> members;
    for (const auto& [efd, ev] : events) {
      if (ev.leader == fd) members.push_back(&ev);
    }
    const bool hardware = leader.type != PERF_TYPE_SOFTWARE;
    const std::uint64_t enabled = 1000ULL * nth;
    std::uint64_t running = enabled;
    if (hardware && hardware_groups_never_run && members.size() > 1) running = 0;
    if (hardware && members.size() == 1 && hardware_groups_never_run) running = enabled / 2;
    std::vector<std::uint64_t> words = {members.size(), enabled, running};
    for (const auto* m : members) {
      words.push_back(running == 0 ? 0 : (m->config + 1) * nth);
      words.push_back(m->id);
    }
    const std::size_t n = words.size() * sizeof(std::uint64_t);
    if (n > len) return fail(ENOSPC);
    std::memcpy(buf, words.data(), n);
    return static_cast<ssize_t>(n);
  }

  static int fail(int err) {
    errno = err;
    return -1;
  }
};

}  // namespace augur::sampling::testing
