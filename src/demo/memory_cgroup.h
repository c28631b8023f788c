#pragma once
// A demo workload's memory cgroup, on either cgroup version (cgroup_dirs.h):
//   v1 or hybrid: the limit in memory.limit_in_bytes, usage in memory.usage_in_bytes, memory
//     pressure in the cgroup2 twin's memory.pressure;
//   unified: the limit in memory.high (what Augur's cgroup v2 backend sets: above it the
//     kernel reclaims and throttles, it does not kill), usage in memory.current.
#include <sys/types.h>

#include <string>

#include "cgroup_dirs.h"

namespace augur::demo {

// The memory controller's hierarchy (prepare_hierarchy(layout, "memory")).
[[nodiscard]] Result<Hierarchy> prepare_memory_hierarchy(const host::CgroupLayout& layout);

// What a memory cgroup holds and what waiting for memory cost it; -1 where unreadable.
struct MemoryUse {
  long long usage_bytes = -1;  // page cache included
  // Usage less the inactive file cache: what the kubelet, and so the VPA, calls the working
  // set.
  long long working_set_bytes = -1;
  // Pressure stall ("some" totals, µs) of the cgroup2 group; -1: no cgroup2.
  //   memory: some of its tasks waited for memory: reclaim, or re-reading pages the kernel
  //     counts as its working set (a cyclic scan larger than the limit is not: its pages come
  //     back after more than the cache's size of other reads);
  //   io: some of its tasks waited for the disk, as re-reading evicted pages does.
  long long memory_stall_usec = -1;
  long long io_stall_usec = -1;
};

class MemoryCgroup {
 public:
  MemoryCgroup() = default;
  MemoryCgroup(const Hierarchy& where, const std::string& name) : dirs_(where, name) {}

  [[nodiscard]] Status create() { return dirs_.create(); }
  [[nodiscard]] Status set_limit(long long bytes) const;
  // The limit in bytes; -1 when unlimited or unreadable (a group gone).
  [[nodiscard]] long long limit_bytes() const;
  [[nodiscard]] MemoryUse use() const;
  [[nodiscard]] Status join(pid_t pid) const { return dirs_.join(pid); }
  void remove() { dirs_.remove(); }

  [[nodiscard]] const std::string& memory_dir() const { return dirs_.dir(); }

 private:
  GroupDirs dirs_;
};

}  // namespace augur::demo
