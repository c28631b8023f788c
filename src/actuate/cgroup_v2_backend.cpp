#include "augur/actuate/cgroup_v2_backend.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <utility>

#include "augur/actuate/kernel_file.h"
#include "augur/actuate/units.h"
#include "augur/host/cgroup_files.h"
#include "cgroup_common.h"

namespace augur::actuate {
namespace {

// The file whose presence says the controller is enabled for the cgroup.
const char* control_file(Resource r) {
  switch (r) {
    case Resource::kCpu: return "cpu.max";
    case Resource::kMemory: return "memory.high";
    case Resource::kDisk: return "io.max";
    case Resource::kNetwork: return nullptr;
  }
  return nullptr;
}

const char* controller(Resource r) {
  switch (r) {
    case Resource::kCpu: return "cpu";
    case Resource::kMemory: return "memory";
    case Resource::kDisk: return "io";
    case Resource::kNetwork: return nullptr;
  }
  return nullptr;
}

// The controllers a cgroup may use (its cgroup.controllers); empty when unreadable.
host::ControllerList controllers_of(const std::string& dir) {
  return host::parse_controller_list(read_kernel_file(dir + "/cgroup.controllers").value_or(""));
}

}  // namespace

CgroupV2Backend::CgroupV2Backend(std::string mount_point, CgroupV2Options options,
                                 std::string mount_root)
    : options_(options),
      page_bytes_(options.page_bytes != 0 ? options.page_bytes : units::host_page_bytes()) {
  layout_.mode = host::CgroupMode::kUnified;
  layout_.unified = host::CgroupMount{std::move(mount_point), std::move(mount_root), {}, {}};
}

Result<CgroupV2Backend> CgroupV2Backend::from_layout(const host::CgroupLayout& layout,
                                                     CgroupV2Options options) {
  if (!layout.unified) return Error{"no cgroup2 mount on this host", "/proc/self/mountinfo", 0};
  return CgroupV2Backend(layout.unified->mount_point, options, layout.unified->root);
}

std::optional<std::string> CgroupV2Backend::directory(const Instance& instance) const {
  for (const auto& ref : instance.cgroups) {
    if (ref.controller.empty()) return layout_.directory(ref);
  }
  return std::nullopt;
}

std::optional<std::string> CgroupV2Backend::unsupported(const Instance& instance,
                                                        Resource r) const {
  const char* file = control_file(r);
  if (file == nullptr) {
    return "network bandwidth is not a cgroup knob: traffic control sets it (the tc backend)";
  }
  const auto dir = directory(instance);
  if (!dir) return "the instance has no cgroup in the unified (v2) hierarchy";
  if (!path_exists(*dir)) return "cgroup " + *dir + " does not exist";
  if (r == Resource::kDisk) {
    auto devices = detail::instance_devices(instance);
    if (!devices) return devices.error().what;
  }
  if (path_exists(*dir + "/" + file)) return std::nullopt;
  // Say why: the hierarchy lacks the controller (a hybrid host such as this test machine
  // binds cpu, memory and io to v1 hierarchies), or the parent does not delegate it.
  const std::string root = layout_.unified->mount_point;
  const host::ControllerList at_root = controllers_of(root);
  if (!at_root.has(controller(r))) {
    return std::string("this cgroup2 hierarchy has no ") + controller(r) + " controller (" + root +
           "/cgroup.controllers: " + at_root.shown() +
           "): it is bound to a cgroup v1 hierarchy or absent from the kernel";
  }
  return std::string("the ") + controller(r) + " controller is not enabled for " + *dir + " (" +
         file + " absent; enable it in the parent's cgroup.subtree_control)";
}

Result<double> CgroupV2Backend::read(const Instance& instance, Resource r) {
  const auto dir = directory(instance);
  if (!dir) return Error{"no unified cgroup", instance.id, ENOENT};
  switch (r) {
    case Resource::kCpu: return read_cpu(*dir);
    case Resource::kMemory: return read_memory(*dir);
    case Resource::kDisk: return read_disk(*dir, instance);
    case Resource::kNetwork: break;
  }
  return Error{"network is not a cgroup v2 knob", instance.id, EOPNOTSUPP};
}

Result<double> CgroupV2Backend::apply(const Instance& instance, Resource r, double value) {
  const auto dir = directory(instance);
  if (!dir) return Error{"no unified cgroup", instance.id, ENOENT};
  switch (r) {
    case Resource::kCpu: return apply_cpu(*dir, value);
    case Resource::kMemory: return apply_memory(*dir, value);
    case Resource::kDisk: return apply_disk(*dir, instance, value);
    case Resource::kNetwork: break;
  }
  return Error{"network is not a cgroup v2 knob", instance.id, EOPNOTSUPP};
}

Result<double> CgroupV2Backend::read_cpu(const std::string& dir) {
  const std::string path = dir + "/cpu.max";
  auto text = read_kernel_file(path);
  if (!text) return std::move(text).error();
  auto max = units::parse_cpu_max(*text, path);
  if (!max) return std::move(max).error();
  return units::quota_usec_to_cores(max->quota_usec, max->period_usec);
}

Result<double> CgroupV2Backend::read_memory(const std::string& dir) {
  const std::string path = dir + "/memory.high";
  auto text = read_kernel_file(path);
  if (!text) return std::move(text).error();
  return units::parse_memory_v2(*text, path);
}

Result<double> CgroupV2Backend::read_disk(const std::string& dir, const Instance& instance) {
  auto devices = detail::instance_devices(instance);
  if (!devices) return Error{devices.error().what, instance.id, ENODEV};
  const std::string path = dir + "/io.max";
  auto text = read_kernel_file(path);
  if (!text) return std::move(text).error();
  auto limits = units::parse_io_max(*text, path);
  if (!limits) return std::move(limits).error();
  std::vector<detail::DeviceLimits> per_device;
  for (const auto& dev : *devices) {
    const auto it = std::find_if(limits->begin(), limits->end(), [&](const host::IoLimit& l) {
      return l.major == dev.major && l.minor == dev.minor;
    });
    // A device without a line has no limit.
    per_device.emplace_back(it == limits->end() ? detail::DeviceLimits{}
                                                : detail::DeviceLimits{it->rbps, it->wbps});
  }
  return host::instance_disk_limit(per_device);
}

Result<double> CgroupV2Backend::apply_cpu(const std::string& dir, double cores) {
  const std::string path = dir + "/cpu.max";
  // Keep the period in force (someone chose it; the quota is what Augur moves).
  auto text = read_kernel_file(path);
  if (!text) return std::move(text).error();
  auto current = units::parse_cpu_max(*text, path);
  if (!current) return std::move(current).error();
  auto quota = units::cores_to_quota_usec(cores, current->period_usec);
  if (!quota) return Error{quota.error().what, path, quota.error().errno_value};
  if (auto st = write_kernel_file(path, units::format_cpu_max(*quota, current->period_usec)); !st) {
    return st.error();
  }
  if (options_.cpu_weight) {
    const auto weight = units::shares_to_weight(units::cores_to_shares(cores));
    if (auto st = write_kernel_file(dir + "/cpu.weight", units::format_u64(weight)); !st) {
      return st.error();
    }
  }
  return read_cpu(dir);
}

Result<double> CgroupV2Backend::apply_memory(const std::string& dir, double bytes) {
  const std::string path = dir + "/memory.high";
  auto high = units::memory_limit_bytes(bytes, page_bytes_);
  if (!high) return Error{high.error().what, path, high.error().errno_value};
  if (auto st = write_kernel_file(path, units::format_memory_v2(*high)); !st) return st.error();
  if (options_.memory_max_factor) {
    const double factor = std::max(1.0, *options_.memory_max_factor);
    auto max = units::memory_limit_bytes(bytes * factor, page_bytes_);
    if (!max) return Error{max.error().what, dir + "/memory.max", max.error().errno_value};
    if (auto st = write_kernel_file(dir + "/memory.max", units::format_memory_v2(*max)); !st) {
      return st.error();
    }
  }
  return read_memory(dir);
}

Result<double> CgroupV2Backend::apply_disk(const std::string& dir, const Instance& instance,
                                           double bytes_per_s) {
  auto devices = detail::instance_devices(instance);
  if (!devices) return Error{devices.error().what, instance.id, ENODEV};
  const std::string path = dir + "/io.max";
  auto limit = detail::per_device_limit(bytes_per_s, devices->size());
  if (!limit) return Error{limit.error().what, path, limit.error().errno_value};
  std::vector<std::string> lines;
  for (const auto& dev : *devices) lines.push_back(units::format_io_max_line(dev, *limit, *limit));
  if (auto st = write_kernel_lines(path, lines); !st) return st.error();
  return read_disk(dir, instance);
}

}  // namespace augur::actuate
