#pragma once
// A demo workload's CPU cgroup, on either cgroup version (cgroup_dirs.h):
//   v1 or hybrid: quota in cpu.cfs_quota_us, throttled time in cpu.stat's throttled_time (ns),
//     CPU pressure in the cgroup2 twin's cpu.pressure;
//   unified: quota and period in cpu.max, throttled time in cpu.stat's throttled_usec.
#include <sys/types.h>

#include <string>

#include "cgroup_dirs.h"

namespace augur::demo {

// The cpu controller's hierarchy (prepare_hierarchy(layout, "cpu")).
[[nodiscard]] Result<Hierarchy> prepare_cpu_hierarchy(const host::CgroupLayout& layout);

// Throttling counters of a CPU cgroup since its creation.
struct CpuThrottling {
  long periods = 0;
  long throttled_periods = 0;
  long throttled_ns = 0;
  // CPU pressure stall ("some" total, µs) of the group's cgroup2 group: the time some of its
  // tasks were runnable but not running, throttled or waiting behind others. -1: no cgroup2.
  long long cpu_stall_usec = -1;
};

class CpuCgroup {
 public:
  CpuCgroup() = default;
  CpuCgroup(const Hierarchy& where, const std::string& name) : dirs_(where, name) {}

  // Makes the group's directories (an existing one is an error: another run's, not ours).
  [[nodiscard]] Status create() { return dirs_.create(); }
  // Sets the CFS period and quota (µs).
  [[nodiscard]] Status set_quota(long quota_usec, long period_usec) const;
  // The quota in µs; -1 when unlimited or unreadable (a group gone).
  [[nodiscard]] long quota_usec() const;
  // Zero counters when the files cannot be read (a group gone).
  [[nodiscard]] CpuThrottling throttling() const;
  // Moves process `pid` into the group.
  [[nodiscard]] Status join(pid_t pid) const { return dirs_.join(pid); }
  // Removes the directories it made; its processes must have exited.
  void remove() { dirs_.remove(); }

  [[nodiscard]] const std::string& cpu_dir() const { return dirs_.dir(); }

 private:
  GroupDirs dirs_;
};

}  // namespace augur::demo
