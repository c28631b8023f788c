#include "cgroup_common.h"

#include <algorithm>
#include <cmath>

#include "augur/actuate/kernel_file.h"

namespace augur::actuate::detail {

Result<std::vector<units::DeviceNumber>> instance_devices(const Instance& instance) {
  if (instance.disks.empty()) return Error{"the instance lists no block devices", "", 0};
  std::vector<units::DeviceNumber> out;
  for (const auto& disk : instance.disks) {
    auto dev = units::parse_device_number(disk);
    if (!dev) {
      return Error{"disk '" + disk + "' is not a MAJ:MIN block device number", "", 0};
    }
    if (std::find(out.begin(), out.end(), *dev) == out.end()) out.push_back(*dev);
  }
  return out;
}

Result<std::vector<std::optional<std::uint64_t>>> device_limits(
    const std::string& path, const std::vector<units::DeviceNumber>& devices) {
  auto text = read_kernel_file(path);
  if (!text) return std::move(text).error();
  auto lines = units::parse_blkio_lines(*text, path);
  if (!lines) return std::move(lines).error();
  std::vector<std::optional<std::uint64_t>> out;
  for (const auto& dev : devices) {
    const auto it = std::find_if(lines->begin(), lines->end(), [&](const host::DeviceValue& v) {
      return v.major == dev.major && v.minor == dev.minor;
    });
    if (it == lines->end() || it->value == 0) {
      out.emplace_back();
    } else {
      out.emplace_back(it->value);
    }
  }
  return out;
}

Result<std::optional<std::uint64_t>> per_device_limit(double bytes_per_s, std::size_t devices) {
  return units::disk_limit_bytes_per_s(devices == 0 ? bytes_per_s
                                                    : bytes_per_s / static_cast<double>(devices));
}

std::string resource_label(Resource r) {
  return std::string(resource_name(r));
}

}  // namespace augur::actuate::detail
