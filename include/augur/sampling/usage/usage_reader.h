#pragma once
// Reads an instance's cumulative usage from its cgroups and procfs. Keeps each file open
// between ticks and re-reads it with one pread from offset 0; a file that does not exist on
// this host is remembered as missing (with the reason) until forget().
//
// Source per resource: a v1 controller hierarchy when the instance has a non-root cgroup
// there (hybrid and v1 hosts keep controllers in v1), otherwise its cgroup2 directory.
// Root cgroups ("/") are never read as the instance's own: they hold the whole host.
//   CPU usage   v1 cpuacct.usage            | v2 cpu.stat usage_usec (always present)
//   throttling  v1 cpu.stat                 | v2 cpu.stat nr_* (needs the cpu controller)
//   CPU limit   v1 cpu.cfs_{quota,period}_us | v2 cpu.max
//               (VMs: plus libvirt's vcpuN children, listed once per instance: throttling
//               summed over them, limit = sum of per-vCPU quotas capped by the domain's;
//               see vcpu_cgroups.h)
//   memory      v1 memory.{usage_in_bytes,stat,limit_in_bytes} | v2 memory.{current,stat,max}
//   disk        v1 blkio.throttle.*         | v2 io.stat, io.max
//   pressure    v2 only: {cpu,memory,io}.pressure of the cgroup2 directory
//   run queue   <proc>/<main_pid>/task/<tid>/schedstat per thread id
//   network     <proc>/<main_pid>/net/dev, only when main_pid has its own network namespace
#include <map>
#include <memory>
#include <string>

#include "augur/core/instance.h"
#include "augur/host/cgroup_layout.h"
#include "augur/sampling/usage/usage_raw.h"

namespace augur::sampling {

class UsageReader {
 public:
  // `fs_root` is prepended to the layout's mount points ("" on the real host, a fixture
  // directory in tests); `proc_root` is procfs ("/proc").
  UsageReader(host::CgroupLayout layout, std::string fs_root = "", std::string proc_root = "/proc");
  ~UsageReader();
  UsageReader(UsageReader&&) noexcept;
  UsageReader& operator=(UsageReader&&) noexcept;

  // Never fails as a whole: each field is present or missing with its reason. Threads that
  // have exited are left out silently. Files stay open under `instance.id`.
  UsageRaw read(const Instance& instance);

  // Closes the files of an instance that has gone (discovery's "removed").
  void forget(const std::string& instance_id);

  // Open file descriptors held, for the churn tests and the daemon's own metrics.
  [[nodiscard]] std::size_t open_files() const;

 private:
  struct InstanceFiles;
  host::CgroupLayout layout_;
  std::string fs_root_;
  std::string proc_root_;
  std::map<std::string, std::unique_ptr<InstanceFiles>> instances_;
};

}  // namespace augur::sampling
