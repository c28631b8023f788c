#pragma once
// libvirt's blkiotune device lists (device_read_bytes_sec, device_write_bytes_sec): a
// string of "node,value" pairs joined by commas, "/dev/vda,1048576,/dev/sdb,0"; 0 is no
// limit. Pure; what libvirt returns is outside input (the fuzzers feed it garbage).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::actuate {

struct DeviceRate {
  std::string node;  // "/dev/vda"
  std::uint64_t bytes_per_s = 0;
  bool operator==(const DeviceRate&) const = default;
};

std::string format_device_rates(const std::vector<DeviceRate>& rates);
// "" -> {}; an Error for an odd count, an empty or relative node, or a value that is not a
// whole number of bytes/s.
Result<std::vector<DeviceRate>> parse_device_rates(std::string_view text);

}  // namespace augur::actuate
