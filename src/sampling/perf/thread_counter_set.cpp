// Never include <linux/perf_event.h> here: perfmon/perf_event.h defines the same types.
#include "augur/sampling/perf/thread_counter_set.h"

#include <perfmon/perf_event.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "augur/sampling/perf/cpu_list.h"
#include "augur/sampling/perf/fd_budget.h"

namespace augur::sampling {
namespace {

constexpr std::uint64_t kReadFormat = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                                      PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID;

// Errors that mean "this descriptor table or memory is full", not "no PMU".
bool is_resource_error(int err) {
  return err == EMFILE || err == ENFILE || err == ENOMEM;
}

// A member refused by an open leader: the PMU cannot hold the group together.
bool is_group_too_big(int err) {
  return err == E2BIG || err == EINVAL || err == ENOSPC;
}

std::string describe_target(pid_t pid, int cpu, unsigned long flags) {
  if ((flags & PERF_FLAG_PID_CGROUP) != 0)
    return "cgroup fd " + std::to_string(pid) + " cpu " + std::to_string(cpu);
  return "thread " + std::to_string(pid);
}

}  // namespace

ThreadCounterSet::ThreadCounterSet(std::vector<EncodedEvent> events, PerfSyscalls sys,
                                   CounterSetOptions options)
    : events_(std::move(events)), sys_(std::move(sys)), options_(std::move(options)) {
  std::vector<std::size_t> hardware;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    (events_[i].hardware ? hardware : software_).push_back(i);
    configured_.set(static_cast<std::size_t>(events_[i].metric));
  }
  if (!hardware.empty()) hardware_layout_.push_back(std::move(hardware));
  buffer_.resize(group_read_size(std::max<std::size_t>(events_.size(), 1)));
}

ThreadCounterSet::~ThreadCounterSet() {
  for (auto& [id, counted] : instances_) close_counted(counted);
}

std::optional<std::string> ThreadCounterSet::take_hardware_notice() {
  if (hardware_.state != HardwareStatus::State::kUnavailable || hardware_notice_taken_) {
    return std::nullopt;
  }
  hardware_notice_taken_ = true;
  return hardware_.reason;
}

std::size_t ThreadCounterSet::fds_per_unit() const {
  std::size_t n = software_.size();
  if (hardware_.state != HardwareStatus::State::kUnavailable) {
    for (const auto& g : hardware_layout_) n += g.size();
  }
  return n;
}

Status ThreadCounterSet::check_budget(std::size_t new_units, bool per_thread) {
  const std::size_t per_unit = fds_per_unit() + (per_thread && pidfd_supported_ ? 1 : 0);
  return ensure_fd_budget(open_fds_ + new_units * per_unit, sys_);
}

std::optional<ThreadCounterSet::GroupFailure> ThreadCounterSet::open_group(
    const std::vector<std::size_t>& members, bool hardware, pid_t pid, int cpu, unsigned long flags,
    Group& out) {
  out = Group{};
  out.hardware = hardware;
  auto fail = [&](std::size_t i, int err) {
    close_group(out);
    return GroupFailure{i > 0, err, events_[members[i]].name};
  };
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& ev = events_[members[i]];
    perf_event_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = ev.type;
    attr.config = ev.config;
    attr.config1 = ev.config1;
    attr.config2 = ev.config2;
    attr.exclude_user = ev.exclude_user ? 1 : 0;
    attr.exclude_kernel = ev.exclude_kernel ? 1 : 0;
    attr.exclude_hv = 1;
    attr.inherit = 0;  // per thread: child threads are discovered and counted on their own
    attr.read_format = kReadFormat;
    // The leader starts disabled and is enabled once every member has joined, so all
    // members count over the same time.
    attr.disabled = i == 0 ? 1 : 0;
    const int group_fd = i == 0 ? -1 : out.fds.front();
    const int fd = sys_.perf_event_open(attr, pid, cpu, group_fd, flags | PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) return std::optional(fail(i, errno));
    out.fds.push_back(fd);
    ++open_fds_;
    out.metrics.push_back(ev.metric);
    std::uint64_t id = 0;
    if (sys_.ioctl(fd, PERF_EVENT_IOC_ID, reinterpret_cast<unsigned long>(&id)) != 0) {
      return std::optional(fail(i, errno));
    }
    out.ids.push_back(id);
  }
  if (!out.fds.empty() && sys_.ioctl(out.fds.front(), PERF_EVENT_IOC_ENABLE, 0) != 0) {
    return std::optional(fail(0, errno));
  }
  return std::nullopt;
}

void ThreadCounterSet::close_group(Group& g) {
  for (auto it = g.fds.rbegin(); it != g.fds.rend(); ++it) {
    sys_.close(*it);
    --open_fds_;
  }
  g.fds.clear();
  g.ids.clear();
  g.metrics.clear();
}

void ThreadCounterSet::close_unit(Unit& u) {
  for (auto& g : u.groups) close_group(g);
  u.groups.clear();
  if (u.pidfd >= 0) {
    sys_.close(u.pidfd);
    --open_fds_;
    u.pidfd = -1;
  }
}

void ThreadCounterSet::close_counted(Counted& c) {
  for (auto& u : c.units) close_unit(u);
  c.units.clear();
}

void ThreadCounterSet::mark_hardware_unavailable(const GroupFailure& f) {
  if (hardware_.state == HardwareStatus::State::kUnavailable) return;
  hardware_.state = HardwareStatus::State::kUnavailable;
  hardware_.reason = "hardware events unavailable: perf_event_open(" + f.event +
                     "): " + std::strerror(f.errno_value);
  if (f.errno_value == ENOENT || f.errno_value == ENODEV || f.errno_value == EOPNOTSUPP) {
    hardware_.reason += " (no hardware PMU exposed to this host)";
  }
}

void ThreadCounterSet::split_hardware() {
  hardware_split_ = true;
  split_pending_ = false;
  std::vector<std::vector<std::size_t>> singles;
  for (const auto& g : hardware_layout_) {
    for (auto idx : g) singles.push_back({idx});
  }
  hardware_layout_ = std::move(singles);
}

Result<ThreadCounterSet::OpenOutcome> ThreadCounterSet::open_hardware(Unit& unit, pid_t pid,
                                                                      int cpu,
                                                                      unsigned long flags) {
  auto drop_hardware = [&] {
    for (auto& g : unit.groups) {
      if (g.hardware) close_group(g);
    }
    std::erase_if(unit.groups, [](const Group& g) { return g.fds.empty(); });
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool retry = false;
    for (const auto& members : hardware_layout_) {
      Group g;
      const auto failure = open_group(members, /*hardware=*/true, pid, cpu, flags, g);
      if (!failure) {
        unit.groups.push_back(std::move(g));
        hardware_.state = HardwareStatus::State::kAvailable;
        continue;
      }
      drop_hardware();
      if (failure->errno_value == ESRCH) return OpenOutcome::kGone;
      if (is_resource_error(failure->errno_value)) {
        return Error{"cannot open hardware counters for " + describe_target(pid, cpu, flags) +
                         " (" + failure->event + ")",
                     "perf_event_open", failure->errno_value};
      }
      if (failure->member && !hardware_split_ && is_group_too_big(failure->errno_value)) {
        split_hardware();
        split_pending_ = true;  // other units still hold the joint group: reopen them
        retry = true;
        break;
      }
      mark_hardware_unavailable(*failure);
      return OpenOutcome::kOpened;
    }
    if (!retry) break;
  }
  return OpenOutcome::kOpened;
}

Result<ThreadCounterSet::OpenOutcome> ThreadCounterSet::open_unit(Unit& unit, pid_t pid, int cpu,
                                                                  unsigned long flags) {
  if (!software_.empty()) {
    Group g;
    if (const auto failure = open_group(software_, /*hardware=*/false, pid, cpu, flags, g)) {
      close_unit(unit);
      if (failure->errno_value == ESRCH) return OpenOutcome::kGone;
      return Error{"cannot open software counters for " + describe_target(pid, cpu, flags) + " (" +
                       failure->event + ")",
                   "perf_event_open", failure->errno_value};
    }
    unit.groups.push_back(std::move(g));
  }
  if (!hardware_layout_.empty() && hardware_.state != HardwareStatus::State::kUnavailable) {
    auto r = open_hardware(unit, pid, cpu, flags);
    if (!r || *r == OpenOutcome::kGone) close_unit(unit);
    return r;
  }
  return OpenOutcome::kOpened;
}

Status ThreadCounterSet::apply(const std::string& instance_id, std::span<const pid_t> tids) {
  auto& counted = instances_[instance_id];
  if (counted.mode != CountingMode::kPerThread) {
    close_counted(counted);
    counted = Counted{};
  }
  std::vector<pid_t> wanted(tids.begin(), tids.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());

  // Close the threads no longer listed.
  std::erase_if(counted.units, [&](Unit& u) {
    if (std::binary_search(wanted.begin(), wanted.end(), u.key)) return false;
    close_unit(u);
    return true;
  });
  std::vector<pid_t> to_open;
  for (pid_t tid : wanted) {
    const auto it = std::lower_bound(counted.units.begin(), counted.units.end(), tid,
                                     [](const Unit& u, int key) { return u.key < key; });
    if (it == counted.units.end() || it->key != tid) to_open.push_back(tid);
  }
  if (to_open.empty()) return {};
  if (auto budget = check_budget(to_open.size(), /*per_thread=*/true); !budget) {
    Error e = budget.error();
    e.what = "instance " + instance_id + ": " + e.what;
    return e;
  }
  Status status;
  for (pid_t tid : to_open) {
    Unit unit;
    unit.key = tid;
    if (pidfd_supported_) {
      unit.pidfd = sys_.pidfd_open_thread(tid);
      if (unit.pidfd >= 0) {
        ++open_fds_;
      } else if (errno == ESRCH) {
        continue;  // gone already
      } else if (errno == EINVAL || errno == ENOSYS) {
        pidfd_supported_ = false;  // old kernel: exits show only through apply()
      } else {
        status = errno_error("cannot watch thread " + std::to_string(tid), "pidfd_open");
        break;
      }
    }
    auto r = open_unit(unit, tid, -1, 0);
    if (!r || *r == OpenOutcome::kGone) close_unit(unit);
    if (!r) {
      status = r.error();
      break;
    }
    if (*r == OpenOutcome::kOpened) counted.units.push_back(std::move(unit));
  }
  std::sort(counted.units.begin(), counted.units.end(),
            [](const Unit& a, const Unit& b) { return a.key < b.key; });
  return status;
}

Status ThreadCounterSet::apply_cgroup(const std::string& instance_id,
                                      const std::string& cgroup_dir) {
  if (auto it = instances_.find(instance_id); it != instances_.end()) {
    if (it->second.mode == CountingMode::kPerCgroup && it->second.cgroup_dir == cgroup_dir) {
      return {};
    }
    close_counted(it->second);
    instances_.erase(it);
  }
  auto cpus = read_online_cpus(options_.sysfs_root);
  if (!cpus) return cpus.error();
  if (auto budget = check_budget(cpus->size(), /*per_thread=*/false); !budget) {
    return budget.error();
  }
  const int dir_fd = sys_.open_directory(cgroup_dir);
  if (dir_fd < 0) return errno_error("cannot open cgroup directory", cgroup_dir);
  Counted counted;
  counted.mode = CountingMode::kPerCgroup;
  counted.cgroup_dir = cgroup_dir;
  Status status;
  for (int cpu : *cpus) {
    Unit unit;
    unit.key = cpu;
    auto r = open_unit(unit, dir_fd, cpu, PERF_FLAG_PID_CGROUP);
    if (!r) {
      status = Error{r.error().what, cgroup_dir, r.error().errno_value};
      break;
    }
    if (*r == OpenOutcome::kOpened) counted.units.push_back(std::move(unit));
  }
  // The events hold their own reference to the cgroup.
  sys_.close(dir_fd);
  if (!status) {
    close_counted(counted);
    return status;
  }
  instances_.emplace(instance_id, std::move(counted));
  return {};
}

void ThreadCounterSet::remove(const std::string& instance_id) {
  if (auto it = instances_.find(instance_id); it != instances_.end()) {
    close_counted(it->second);
    instances_.erase(it);
  }
}

void ThreadCounterSet::read_unit(Unit& unit, PerfRaw& raw, bool& gone) {
  PerfUnitRaw out;
  out.key = unit.key;
  out.epoch = unit.epoch;
  for (auto& g : unit.groups) {
    const std::size_t n = g.fds.size();
    const ssize_t got = sys_.read(g.fds.front(), buffer_.data(), group_read_size(n));
    // A thread that exited leaves its events in the EXIT state: read() returns 0.
    if (got == 0 || (got < 0 && errno == ESRCH)) {
      gone = true;
      return;
    }
    if (got < 0) continue;  // no data from this group this time
    const std::span<const std::byte> bytes(buffer_.data(), static_cast<std::size_t>(got));
    if (!parse_group_read_into(bytes, n, reading_)) continue;
    raw.multiplex_ratio = std::min(raw.multiplex_ratio, reading_.multiplex_ratio());
    if (!reading_.has_data()) {
      if (g.hardware && n > 1 && reading_.time_enabled_ns > 0 &&
          ++g.zero_run_reads >= kZeroRunReadsBeforeSplit) {
        split_pending_ = true;
      }
      continue;
    }
    g.zero_run_reads = 0;
    for (std::size_t j = 0; j < n; ++j) {
      // The kernel writes members in group order; the ids make that a check, not a guess.
      std::size_t k = j;
      if (reading_.ids[k] != g.ids[j]) {
        k = static_cast<std::size_t>(std::find(reading_.ids.begin(), reading_.ids.end(), g.ids[j]) -
                                     reading_.ids.begin());
        if (k == n) continue;
      }
      if (const auto v = reading_.scaled(k)) out.counts.set(g.metrics[j], *v);
    }
  }
  for (std::size_t i = 0; i < kPerfMetricCount; ++i) {
    if (!out.counts.present.test(i)) continue;
    raw.totals.values[i] += out.counts.values[i];
    raw.totals.present.set(i);
  }
  raw.units.push_back(out);
}

std::vector<PerfRaw> ThreadCounterSet::read_all() {
  // One poll() over every thread's pidfd finds the threads that exited.
  poll_fds_.clear();
  for (const auto& [id, counted] : instances_) {
    for (const auto& u : counted.units) {
      if (u.pidfd >= 0) poll_fds_.push_back(pollfd{u.pidfd, POLLIN, 0});
    }
  }
  if (!poll_fds_.empty() && sys_.poll_now(poll_fds_.data(), poll_fds_.size()) < 0) {
    for (auto& p : poll_fds_) p.revents = 0;  // no exit information this time: read all
  }
  std::size_t next_poll = 0;
  std::vector<PerfRaw> result;
  result.reserve(instances_.size());
  for (auto& [id, counted] : instances_) {
    PerfRaw raw;
    raw.instance_id = id;
    raw.mode = counted.mode;
    raw.configured = configured_;
    raw.units.reserve(counted.units.size());
    if (hardware_.state == HardwareStatus::State::kUnavailable) {
      for (const auto& members : hardware_layout_) {
        for (auto idx : members) raw.missing.emplace_back(events_[idx].metric, hardware_.reason);
      }
    }
    std::erase_if(counted.units, [&](Unit& u) {
      bool gone = u.pidfd >= 0 && (poll_fds_[next_poll++].revents & (POLLIN | POLLHUP)) != 0;
      if (!gone) read_unit(u, raw, gone);
      if (!gone) return false;
      close_unit(u);
      raw.gone.push_back(u.key);
      return true;
    });
    result.push_back(std::move(raw));
  }
  if (split_pending_) {
    if (!hardware_split_) split_hardware();
    split_pending_ = false;
    reopen_hardware();
  }
  return result;
}

void ThreadCounterSet::reopen_hardware() {
  for (auto& [id, counted] : instances_) {
    const bool cgroup = counted.mode == CountingMode::kPerCgroup;
    int dir_fd = -1;
    if (cgroup) {
      dir_fd = sys_.open_directory(counted.cgroup_dir);
      if (dir_fd < 0) continue;
    }
    for (auto& u : counted.units) {
      const bool joint = std::any_of(u.groups.begin(), u.groups.end(),
                                     [](const Group& g) { return g.hardware && g.fds.size() > 1; });
      if (!joint) continue;
      for (auto& g : u.groups) {
        if (g.hardware) close_group(g);
      }
      std::erase_if(u.groups, [](const Group& g) { return g.fds.empty(); });
      ++u.epoch;  // the hardware counts restart from zero
      if (cgroup) {
        (void)open_hardware(u, dir_fd, u.key, PERF_FLAG_PID_CGROUP);
      } else {
        (void)open_hardware(u, u.key, -1, 0);
      }
    }
    if (dir_fd >= 0) sys_.close(dir_fd);
  }
}

}  // namespace augur::sampling
