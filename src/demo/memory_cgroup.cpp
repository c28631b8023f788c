#include "memory_cgroup.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "augur/actuate/kernel_file.h"
#include "augur/host/cgroup_files.h"
#include "augur/host/open_file.h"
#include "augur/host/pressure.h"

namespace augur::demo {

namespace {

// A known count as a signed value, -1 for none: the demo's figures are differences.
long long known(const std::optional<std::uint64_t>& v) {
  return v ? static_cast<long long>(*v) : -1;
}

}  // namespace

Result<Hierarchy> prepare_memory_hierarchy(const host::CgroupLayout& layout) {
  return prepare_hierarchy(layout, "memory");
}

Status MemoryCgroup::set_limit(long long bytes) const {
  const char* file = dirs_.unified() ? "/memory.high" : "/memory.limit_in_bytes";
  return actuate::write_kernel_file(dirs_.dir() + file, std::to_string(bytes));
}

long long MemoryCgroup::limit_bytes() const {
  const std::string path =
      dirs_.dir() + (dirs_.unified() ? "/memory.high" : "/memory.limit_in_bytes");
  auto text = host::read_file(path);
  if (!text) return -1;
  auto limit = dirs_.unified() ? host::parse_max_or_u64(*text, path)
                               : host::parse_memory_limit_v1(*text, path);
  return limit && *limit ? static_cast<long long>(**limit) : -1;
}

MemoryUse MemoryCgroup::use() const {
  MemoryUse u;
  const std::string& dir = dirs_.dir();
  const std::string usage_path =
      dir + (dirs_.unified() ? "/memory.current" : "/memory.usage_in_bytes");
  if (auto text = host::read_file(usage_path)) {
    if (auto v = host::parse_u64_file(*text, usage_path)) u.usage_bytes = known(*v);
  }
  const std::string stat_path = dir + "/memory.stat";
  if (auto text = host::read_file(stat_path); text && u.usage_bytes >= 0) {
    if (auto stat = host::parse_flat_keyed(*text, stat_path)) {
      // v1 counts the group's descendants in total_*; v2's counters already do.
      const long long inactive =
          known(stat->get(dirs_.unified() ? "inactive_file" : "total_inactive_file"));
      if (inactive >= 0) u.working_set_bytes = std::max(0LL, u.usage_bytes - inactive);
    }
  }
  if (const std::string& twin = dirs_.unified_dir(); !twin.empty()) {
    const auto stall = [&twin](const char* file) {
      auto p = host::parse_pressure(host::read_file(twin + file).value_or(""));
      return p ? static_cast<long long>(p->some.total_usec) : -1LL;
    };
    u.memory_stall_usec = stall("/memory.pressure");
    u.io_stall_usec = stall("/io.pressure");
  }
  return u;
}

}  // namespace augur::demo
