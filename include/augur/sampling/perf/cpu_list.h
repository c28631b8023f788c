#pragma once
// The kernel's CPU list format ("0-3,8,10-11"), as in /sys/devices/system/cpu/online.
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::sampling {

// Pure parser; an Error on anything that is not a list of ascending ids and ranges.
[[nodiscard]] Result<std::vector<int>> parse_cpu_list(std::string_view text);

// Reads <sysfs_root>/devices/system/cpu/online.
[[nodiscard]] Result<std::vector<int>> read_online_cpus(const std::string& sysfs_root = "/sys");

}  // namespace augur::sampling
