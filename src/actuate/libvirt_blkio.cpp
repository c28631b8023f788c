#include "libvirt_blkio.h"

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "augur/actuate/blkio_device_rates.h"
#include "augur/actuate/host_block_device.h"
#include "augur/actuate/kernel_file.h"
#include "augur/actuate/units.h"
#include "cgroup_common.h"
#include "libvirt_calls.h"

namespace augur::actuate::detail {
namespace {

struct Target {
  HostBlockDevice device;
  unsigned long long bytes_per_s = 0;  // 0: no limit
};

std::vector<Target> targets_of(const Instance& inst, unsigned long long per_disk,
                               const BlkioCgroups& where) {
  std::vector<Target> out;
  for (std::size_t i = 0; i < inst.disks.size() && i < inst.disk_sources.size(); ++i) {
    auto dev = host_block_device(inst.disk_sources[i], where.sys_root);
    if (!dev) continue;  // a network disk, or an image on tmpfs: nothing to throttle
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const Target& t) { return t.device.number == dev->number; });
    if (same == out.end()) {
      out.push_back({std::move(*dev), per_disk});
    } else if (per_disk > 0) {
      same->bytes_per_s += per_disk;
    }
  }
  return out;
}

Error mismatch(const std::string& source, const Target& t, unsigned long long holds,
               const Instance& inst) {
  return Error{source + " holds " + std::to_string(holds) + " bytes/s for " + t.device.node + " (" +
                   units::format_device_number(t.device.number) + "), not " +
                   std::to_string(t.bytes_per_s),
               where_of(inst), EIO};
}

// What libvirt reports for the domain's devices now.
Status verify_through_libvirt(virDomainPtr dom, const Instance& inst,
                              const std::vector<Target>& targets) {
  const unsigned flags = VIR_TYPED_PARAM_STRING_OKAY;  // current (live) state, strings
  int count = 0;
  if (virDomainGetBlkioParameters(dom, nullptr, &count, flags) < 0) {
    return libvirt_error("virDomainGetBlkioParameters", where_of(inst));
  }
  ParamsIn params(count);
  if (virDomainGetBlkioParameters(dom, params.data(), params.count(), flags) < 0) {
    return libvirt_error("virDomainGetBlkioParameters", where_of(inst));
  }
  for (const char* name : {VIR_DOMAIN_BLKIO_DEVICE_READ_BPS, VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS}) {
    auto rates = parse_device_rates(params.get_string(name).value_or(""));
    if (!rates) return Error{rates.error().what, where_of(inst) + ": " + name, EIO};
    for (const Target& t : targets) {
      const auto it = std::find_if(rates->begin(), rates->end(),
                                   [&](const DeviceRate& r) { return r.node == t.device.node; });
      const unsigned long long holds = it == rates->end() ? 0 : it->bytes_per_s;
      if (holds != t.bytes_per_s) return mismatch(std::string("libvirt's ") + name, t, holds, inst);
    }
  }
  return {};
}

// What the domain's cgroup holds: v1 blkio.throttle files, or v2 io.max. A domain with no
// cgroup in a hierarchy carrying blkio (or io) is checked through libvirt only.
Status verify_through_cgroup(const Instance& inst, const std::vector<Target>& targets,
                             const BlkioCgroups& where) {
  for (const CgroupRef& ref : inst.cgroups) {
    const bool v1 = ref.controller == "blkio";
    const bool v2 = ref.controller.empty() && where.layout.unified.has_value() &&
                    where.layout.v1_for("blkio") == nullptr;
    if (!v1 && !v2) continue;
    const auto dir = where.layout.directory(ref, where.fs_root);
    if (!dir) continue;
    if (v1) {
      std::vector<units::DeviceNumber> devices;
      for (const Target& t : targets) devices.push_back(t.device.number);
      for (const char* file :
           {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device"}) {
        const std::string path = *dir + "/" + file;
        auto limits = device_limits(path, devices);
        if (!limits) return std::move(limits).error();
        for (std::size_t i = 0; i < targets.size(); ++i) {
          const unsigned long long holds = (*limits)[i].value_or(0);
          if (holds != targets[i].bytes_per_s) return mismatch(path, targets[i], holds, inst);
        }
      }
      return {};
    }
    const std::string path = *dir + "/io.max";
    if (!path_exists(path)) continue;  // no io controller enabled for this cgroup
    auto text = read_kernel_file(path);
    if (!text) return std::move(text).error();
    auto limits = units::parse_io_max(*text, path);
    if (!limits) return std::move(limits).error();
    for (const Target& t : targets) {
      const auto it = std::find_if(limits->begin(), limits->end(), [&](const host::IoLimit& l) {
        return l.major == t.device.number.major && l.minor == t.device.number.minor;
      });
      for (auto host::IoLimit::*field : {&host::IoLimit::rbps, &host::IoLimit::wbps}) {
        const unsigned long long holds = it == limits->end() ? 0 : ((*it).*field).value_or(0);
        if (holds != t.bytes_per_s) return mismatch(path, t, holds, inst);
      }
    }
    return {};
  }
  return {};
}

}  // namespace

Status apply_blkio_device_throttle(virDomainPtr dom, const Instance& inst,
                                   unsigned long long per_disk, const BlkioCgroups& where) {
  const std::vector<Target> targets = targets_of(inst, per_disk, where);
  if (targets.empty()) return {};
  std::vector<DeviceRate> rates;
  for (const Target& t : targets) rates.push_back({t.device.node, t.bytes_per_s});
  const std::string list = format_device_rates(rates);
  ParamsOut params;
  if (!params.add_string(VIR_DOMAIN_BLKIO_DEVICE_READ_BPS, list) ||
      !params.add_string(VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS, list)) {
    return libvirt_error("virTypedParamsAddString", where_of(inst));
  }
  if (virDomainSetBlkioParameters(dom, params.data(), params.count(), VIR_DOMAIN_AFFECT_LIVE) < 0) {
    if (last_error_is_no_support()) return {};
    return libvirt_error("virDomainSetBlkioParameters " + list, where_of(inst));
  }
  if (auto s = verify_through_libvirt(dom, inst, targets); !s) return s;
  return verify_through_cgroup(inst, targets, where);
}

}  // namespace augur::actuate::detail
