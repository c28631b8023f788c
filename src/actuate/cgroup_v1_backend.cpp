#include "augur/actuate/cgroup_v1_backend.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <utility>

#include "augur/actuate/kernel_file.h"
#include "augur/actuate/units.h"
#include "cgroup_common.h"

namespace augur::actuate {
namespace {

const char* controller(Resource r) {
  switch (r) {
    case Resource::kCpu: return "cpu";
    case Resource::kMemory: return "memory";
    case Resource::kDisk: return "blkio";
    case Resource::kNetwork: return nullptr;
  }
  return nullptr;
}

// The knob whose presence says the controller can limit the resource.
const char* control_file(Resource r) {
  switch (r) {
    case Resource::kCpu: return "cpu.cfs_quota_us";
    case Resource::kMemory: return "memory.limit_in_bytes";
    case Resource::kDisk: return "blkio.throttle.read_bps_device";
    case Resource::kNetwork: return nullptr;
  }
  return nullptr;
}

constexpr const char* kReadBps = "blkio.throttle.read_bps_device";
constexpr const char* kWriteBps = "blkio.throttle.write_bps_device";

}  // namespace

CgroupV1Backend::CgroupV1Backend(host::CgroupLayout layout, CgroupV1Options options,
                                 std::string fs_root)
    : layout_(std::move(layout)),
      options_(options),
      fs_root_(std::move(fs_root)),
      page_bytes_(options.page_bytes != 0 ? options.page_bytes : units::host_page_bytes()) {}

Result<CgroupV1Backend> CgroupV1Backend::from_host(CgroupV1Options options,
                                                   const std::string& proc_root,
                                                   std::string_view cgroup_root) {
  auto layout = host::read_cgroup_layout(proc_root, cgroup_root);
  if (!layout) return std::move(layout).error();
  return CgroupV1Backend(std::move(*layout), options);
}

std::optional<std::string> CgroupV1Backend::directory(const Instance& instance,
                                                      std::string_view ctrl) const {
  for (const auto& ref : instance.cgroups) {
    if (ref.controller == ctrl) return layout_.directory(ref, fs_root_);
  }
  return std::nullopt;
}

std::optional<std::string> CgroupV1Backend::unsupported(const Instance& instance,
                                                        Resource r) const {
  const char* ctrl = controller(r);
  if (ctrl == nullptr) {
    return "network bandwidth is not a cgroup knob: traffic control sets it (the tc backend)";
  }
  if (layout_.v1_for(ctrl) == nullptr) {
    return std::string("no cgroup v1 hierarchy carries the ") + ctrl + " controller";
  }
  const auto dir = directory(instance, ctrl);
  if (!dir) return std::string("the instance has no cgroup in the v1 ") + ctrl + " hierarchy";
  if (!path_exists(*dir)) return "cgroup " + *dir + " does not exist";
  if (r == Resource::kDisk) {
    auto devices = detail::instance_devices(instance);
    if (!devices) return devices.error().what;
  }
  if (!path_exists(*dir + "/" + control_file(r))) {
    return std::string(control_file(r)) + " is absent in " + *dir +
           (r == Resource::kCpu ? " (the kernel lacks CFS bandwidth control)" : "");
  }
  return std::nullopt;
}

Result<double> CgroupV1Backend::read(const Instance& instance, Resource r) {
  const char* ctrl = controller(r);
  if (ctrl == nullptr) return Error{"network is not a cgroup v1 knob", instance.id, EOPNOTSUPP};
  const auto dir = directory(instance, ctrl);
  if (!dir) return Error{std::string("no v1 ") + ctrl + " cgroup", instance.id, ENOENT};
  switch (r) {
    case Resource::kCpu: return read_cpu(*dir);
    case Resource::kMemory: return read_memory(*dir);
    case Resource::kDisk: return read_disk(*dir, instance);
    case Resource::kNetwork: break;
  }
  return Error{"network is not a cgroup v1 knob", instance.id, EOPNOTSUPP};
}

Result<double> CgroupV1Backend::apply(const Instance& instance, Resource r, double value) {
  const char* ctrl = controller(r);
  if (ctrl == nullptr) return Error{"network is not a cgroup v1 knob", instance.id, EOPNOTSUPP};
  const auto dir = directory(instance, ctrl);
  if (!dir) return Error{std::string("no v1 ") + ctrl + " cgroup", instance.id, ENOENT};
  switch (r) {
    case Resource::kCpu: return apply_cpu(*dir, value);
    case Resource::kMemory: return apply_memory(*dir, value);
    case Resource::kDisk: return apply_disk(*dir, instance, value);
    case Resource::kNetwork: break;
  }
  return Error{"network is not a cgroup v1 knob", instance.id, EOPNOTSUPP};
}

Result<double> CgroupV1Backend::read_cpu(const std::string& dir) {
  const std::string period_path = dir + "/cpu.cfs_period_us";
  auto period_text = read_kernel_file(period_path);
  if (!period_text) return std::move(period_text).error();
  auto period = units::parse_cfs_period_usec(*period_text, period_path);
  if (!period) return std::move(period).error();
  const std::string quota_path = dir + "/cpu.cfs_quota_us";
  auto quota_text = read_kernel_file(quota_path);
  if (!quota_text) return std::move(quota_text).error();
  auto quota = units::parse_cfs_quota_usec(*quota_text, quota_path);
  if (!quota) return std::move(quota).error();
  return units::quota_usec_to_cores(*quota, *period);
}

Result<double> CgroupV1Backend::read_memory(const std::string& dir) {
  const std::string path = dir + "/memory.limit_in_bytes";
  auto text = read_kernel_file(path);
  if (!text) return std::move(text).error();
  return units::parse_memory_v1(*text, path);
}

Result<double> CgroupV1Backend::read_disk(const std::string& dir, const Instance& instance) {
  auto devices = detail::instance_devices(instance);
  if (!devices) return Error{devices.error().what, instance.id, ENODEV};
  auto reads = detail::device_limits(dir + "/" + kReadBps, *devices);
  if (!reads) return std::move(reads).error();
  auto writes = detail::device_limits(dir + "/" + kWriteBps, *devices);
  if (!writes) return std::move(writes).error();
  std::vector<detail::DeviceLimits> per_device;
  for (std::size_t i = 0; i < devices->size(); ++i) {
    per_device.emplace_back((*reads)[i], (*writes)[i]);
  }
  return host::instance_disk_limit(per_device);
}

Result<double> CgroupV1Backend::apply_cpu(const std::string& dir, double cores) {
  // Keep the period in force (someone chose it; the quota is what Augur moves).
  const std::string period_path = dir + "/cpu.cfs_period_us";
  auto period_text = read_kernel_file(period_path);
  if (!period_text) return std::move(period_text).error();
  auto period = units::parse_cfs_period_usec(*period_text, period_path);
  if (!period) return std::move(period).error();
  const std::string quota_path = dir + "/cpu.cfs_quota_us";
  auto quota = units::cores_to_quota_usec(cores, *period);
  if (!quota) return Error{quota.error().what, quota_path, quota.error().errno_value};
  if (auto st = write_kernel_file(quota_path, units::format_cfs_quota_usec(*quota)); !st) {
    return st.error();
  }
  if (options_.cpu_shares) {
    const auto shares = units::cores_to_shares(cores);
    if (auto st = write_kernel_file(dir + "/cpu.shares", units::format_u64(shares)); !st) {
      return st.error();
    }
  }
  return read_cpu(dir);
}

Result<double> CgroupV1Backend::apply_memory(const std::string& dir, double bytes) {
  const std::string path = dir + "/memory.limit_in_bytes";
  auto limit = units::memory_limit_bytes(bytes, page_bytes_);
  if (!limit) return Error{limit.error().what, path, limit.error().errno_value};
  if (auto st = write_kernel_file(path, units::format_memory_v1(*limit)); !st) return st.error();
  if (options_.soft_limit_fraction) {
    const double fraction = std::clamp(*options_.soft_limit_fraction, 0.0, 1.0);
    const std::string soft_path = dir + "/memory.soft_limit_in_bytes";
    auto soft = units::memory_limit_bytes(bytes * fraction, page_bytes_);
    if (!soft) return Error{soft.error().what, soft_path, soft.error().errno_value};
    if (auto st = write_kernel_file(soft_path, units::format_memory_v1(*soft)); !st) {
      return st.error();
    }
  }
  return read_memory(dir);
}

Result<double> CgroupV1Backend::apply_disk(const std::string& dir, const Instance& instance,
                                           double bytes_per_s) {
  auto devices = detail::instance_devices(instance);
  if (!devices) return Error{devices.error().what, instance.id, ENODEV};
  auto limit = detail::per_device_limit(bytes_per_s, devices->size());
  if (!limit) return Error{limit.error().what, dir + "/" + kReadBps, limit.error().errno_value};
  std::vector<std::string> lines;
  for (const auto& dev : *devices) lines.push_back(units::format_blkio_line(dev, *limit));
  for (const char* file : {kReadBps, kWriteBps}) {
    if (auto st = write_kernel_lines(dir + "/" + file, lines); !st) return st.error();
  }
  return read_disk(dir, instance);
}

}  // namespace augur::actuate
