#pragma once
// A demo workload's CPU cgroup, on either cgroup version, so that `augurd --demo` runs on the
// hosts operators have:
//   v1 or hybrid: a group in the v1 cpu hierarchy (quota in cpu.cfs_quota_us, throttled time
//     in cpu.stat's throttled_time, ns), with the same-named cgroup2 group when cgroup2 is
//     mounted (a hybrid host: Augur's discovery globs there first, and CPU pressure is read
//     there);
//   unified (cgroup v2 only, most current distributions): one cgroup2 group whose parent has
//     the cpu controller enabled (quota and period in cpu.max, throttled time in cpu.stat's
//     throttled_usec, pressure in cpu.pressure).
// The paths come from the host's cgroup layout, so a fixture tree stands in for a cgroup v2
// host in tests (tests/demo/cpu_cgroup_test.cpp) and the same code reads both.
#include <sys/types.h>

#include <optional>
#include <string>

#include "augur/host/cgroup_layout.h"
#include "augur/util/result.h"

namespace augur::demo {

// Where the demo makes its CPU cgroups.
struct CpuHierarchy {
  bool unified = false;      // cgroup v2 only: quotas through cpu.max
  std::string cpu_root;      // v1: the cpu hierarchy's mount point; unified: the cgroup2 one
  std::string unified_root;  // v1: the cgroup2 mount point, empty when none; unified: cpu_root
  [[nodiscard]] std::string describe() const;  // "cpu: /sys/fs/cgroup/cpu, cgroup2: ..."
};

// The hierarchy of `layout` to use, or why this host cannot run the demo: no cpu controller
// in either version, or not writable. On a cgroup v2 only host, enables the cpu controller in
// the root's cgroup.subtree_control when it is not yet (what systemd does for its slices).
[[nodiscard]] Result<CpuHierarchy> prepare_cpu_hierarchy(const host::CgroupLayout& layout);

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
  CpuCgroup(const CpuHierarchy& where, const std::string& name);
  CpuCgroup(CpuCgroup&& other) noexcept;
  CpuCgroup& operator=(CpuCgroup&& other) noexcept;
  CpuCgroup(const CpuCgroup&) = delete;
  CpuCgroup& operator=(const CpuCgroup&) = delete;
  ~CpuCgroup();  // removes the directories it made

  // Makes the group's directories (an existing one is an error: another run's, not ours).
  [[nodiscard]] Status create();
  // Sets the CFS period and quota (µs).
  [[nodiscard]] Status set_quota(long quota_usec, long period_usec) const;
  // The quota in µs; -1 when unlimited or unreadable (a group gone).
  [[nodiscard]] long quota_usec() const;
  // Zero counters when the files cannot be read (a group gone).
  [[nodiscard]] CpuThrottling throttling() const;
  // Moves process `pid` into the group (each hierarchy's cgroup.procs).
  [[nodiscard]] Status join(pid_t pid) const;
  // Removes the directories it made; its processes must have exited.
  void remove();

  [[nodiscard]] const std::string& cpu_dir() const { return cpu_dir_; }

 private:
  bool unified_ = false;
  std::string cpu_dir_;
  std::string unified_dir_;  // v1: the cgroup2 twin, empty when none; unified: cpu_dir_
  bool made_cpu_ = false;
  bool made_unified_ = false;
};

}  // namespace augur::demo
