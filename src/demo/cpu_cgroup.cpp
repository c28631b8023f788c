#include "cpu_cgroup.h"

#include <string_view>

#include "augur/actuate/kernel_file.h"
#include "augur/host/cgroup_files.h"
#include "augur/host/open_file.h"
#include "augur/host/pressure.h"

namespace augur::demo {

Result<Hierarchy> prepare_cpu_hierarchy(const host::CgroupLayout& layout) {
  return prepare_hierarchy(layout, "cpu");
}

Status CpuCgroup::set_quota(long quota_usec, long period_usec) const {
  const std::string& dir = dirs_.dir();
  if (dirs_.unified()) {
    return actuate::write_kernel_file(
        dir + "/cpu.max", std::to_string(quota_usec) + " " + std::to_string(period_usec));
  }
  if (auto s = actuate::write_kernel_file(dir + "/cpu.cfs_period_us", std::to_string(period_usec));
      !s) {
    return s;
  }
  return actuate::write_kernel_file(dir + "/cpu.cfs_quota_us", std::to_string(quota_usec));
}

long CpuCgroup::quota_usec() const {
  if (dirs_.unified()) {
    auto text = host::read_file(dirs_.dir() + "/cpu.max");
    if (!text) return -1;
    auto max = host::parse_cpu_max(*text);
    return max && max->quota_usec ? static_cast<long>(*max->quota_usec) : -1;
  }
  auto text = host::read_file(dirs_.dir() + "/cpu.cfs_quota_us");
  if (!text) return -1;
  auto quota = host::parse_cfs_quota_us(*text);  // nullopt: -1, unlimited
  return quota && *quota ? static_cast<long>(**quota) : -1;
}

CpuThrottling CpuCgroup::throttling() const {
  CpuThrottling t;
  const std::string path = dirs_.dir() + "/cpu.stat";
  const std::string text = host::read_file(path).value_or("");
  if (auto stat = host::parse_flat_keyed(text, path)) {
    auto counter = [&stat](std::string_view key) {
      return static_cast<long>(stat->get(key).value_or(0));
    };
    t.periods = counter("nr_periods");
    t.throttled_periods = counter("nr_throttled");
    t.throttled_ns =
        dirs_.unified() ? counter("throttled_usec") * 1000L : counter("throttled_time");
  }
  if (!dirs_.unified_dir().empty()) {
    const std::string pressure =
        host::read_file(dirs_.unified_dir() + "/cpu.pressure").value_or("");
    if (auto p = host::parse_pressure(pressure)) {
      t.cpu_stall_usec = static_cast<long long>(p->some.total_usec);
    }
  }
  return t;
}

}  // namespace augur::demo
