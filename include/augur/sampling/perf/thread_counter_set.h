#pragma once
// The perf_event_open CounterSource: owns every counter descriptor of every instance.
//
// Per thread it also holds a pidfd (PIDFD_THREAD) and polls them all once per read to find
// threads that exited (their counters would otherwise read on, frozen).
// Per counted unit (a thread, or one CPU of a cgroup) it opens one software group and one
// hardware group (leader + members, read_format GROUP | TOTAL_TIME_ENABLED |
// TOTAL_TIME_RUNNING | ID, exclude_hv, inherit off, leader opened disabled then enabled).
// Software events always schedule, so they live apart from hardware events, which may be
// absent (no PMU) or multiplexed. Strategy:
//  - the first time a hardware leader fails to open (ENOENT, EOPNOTSUPP, EACCES, EPERM,
//    ENODEV, EINVAL, E2BIG) hardware is marked unavailable once, with the reason, for the
//    whole set; hardware metrics are then missing with that reason, software ones flow;
//  - when a hardware member fails to join its group (E2BIG, EINVAL, ENOSPC), or a hardware
//    group reports time_running == 0 with time_enabled > 0 on kZeroRunReadsBeforeSplit
//    reads in a row, the hardware events are split into one group per event (the kernel
//    then rotates them and values are scaled), for every unit from then on.
#include <sys/types.h>

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "augur/sampling/perf/counter_source.h"
#include "augur/sampling/perf/event.h"
#include "augur/sampling/perf/group_read.h"
#include "augur/sampling/perf/syscalls.h"

namespace augur::sampling {

struct CounterSetOptions {
  std::string sysfs_root = "/sys";  // for the online CPU list (per-cgroup mode)
};

// Not thread-safe: one owner (the sampler thread) calls everything.
class ThreadCounterSet final : public CounterSource {
 public:
  // Reads of a hardware group that never ran before its events are split apart.
  static constexpr int kZeroRunReadsBeforeSplit = 3;

  explicit ThreadCounterSet(std::vector<EncodedEvent> events,
                            PerfSyscalls sys = real_perf_syscalls(),
                            CounterSetOptions options = {});
  ~ThreadCounterSet() override;
  ThreadCounterSet(const ThreadCounterSet&) = delete;
  ThreadCounterSet& operator=(const ThreadCounterSet&) = delete;

  Status apply(const std::string& instance_id, std::span<const pid_t> tids) override;
  Status apply_cgroup(const std::string& instance_id, const std::string& cgroup_dir) override;
  void remove(const std::string& instance_id) override;
  [[nodiscard]] std::vector<PerfRaw> read_all() override;
  [[nodiscard]] HardwareStatus hardware_status() const override { return hardware_; }

  [[nodiscard]] std::optional<std::string> take_hardware_notice() override;

  [[nodiscard]] std::size_t open_fd_count() const { return open_fds_; }
  [[nodiscard]] bool hardware_split() const { return hardware_split_; }

 private:
  struct Group {
    std::vector<int> fds;            // leader first
    std::vector<Metric> metrics;     // per member
    std::vector<std::uint64_t> ids;  // kernel ids per member (PERF_EVENT_IOC_ID)
    bool hardware = false;
    int zero_run_reads = 0;
  };
  struct Unit {
    int key = 0;     // tid or cpu
    int pidfd = -1;  // per-thread mode: tells when the thread exits
    std::uint32_t epoch = 0;
    std::vector<Group> groups;
  };
  struct Counted {
    CountingMode mode = CountingMode::kPerThread;
    std::string cgroup_dir;
    std::vector<Unit> units;  // sorted by key
  };
  enum class OpenOutcome { kOpened, kGone };
  struct GroupFailure {
    bool member = false;  // failed on a member, the leader had opened
    int errno_value = 0;
    std::string event;
  };

  [[nodiscard]] Result<OpenOutcome> open_unit(Unit& unit, pid_t pid, int cpu, unsigned long flags);
  [[nodiscard]] Result<OpenOutcome> open_hardware(Unit& unit, pid_t pid, int cpu,
                                                  unsigned long flags);
  [[nodiscard]] std::optional<GroupFailure> open_group(const std::vector<std::size_t>& members,
                                                       bool hardware, pid_t pid, int cpu,
                                                       unsigned long flags, Group& out);
  void close_group(Group& g);
  void close_unit(Unit& u);
  void close_counted(Counted& c);
  void mark_hardware_unavailable(const GroupFailure& f);
  void split_hardware();
  void reopen_hardware();
  [[nodiscard]] Status check_budget(std::size_t new_units, bool per_thread);
  [[nodiscard]] std::size_t fds_per_unit() const;
  void read_unit(Unit& unit, PerfRaw& raw, bool& gone);

  std::vector<EncodedEvent> events_;
  std::vector<std::size_t> software_;                      // indexes into events_
  std::vector<std::vector<std::size_t>> hardware_layout_;  // hardware groups, by event index
  std::bitset<kPerfMetricCount> configured_;
  PerfSyscalls sys_;
  CounterSetOptions options_;
  std::map<std::string, Counted> instances_;
  HardwareStatus hardware_;
  bool hardware_notice_taken_ = false;
  bool hardware_split_ = false;
  bool split_pending_ = false;
  bool pidfd_supported_ = true;  // false on kernels before 6.9 (no PIDFD_THREAD)
  std::size_t open_fds_ = 0;
  std::vector<std::byte> buffer_;
  std::vector<pollfd> poll_fds_;
  GroupReading reading_;
};

}  // namespace augur::sampling
