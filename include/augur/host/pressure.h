#pragma once
// Pressure stall information (PSI), the same format in a cgroup2 directory (cpu.pressure,
// memory.pressure, io.pressure) and in /proc/pressure/{cpu,memory,io}:
//   some avg10=0.11 avg60=0.37 avg300=0.12 total=1805132
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
// `total` is cumulative stalled wall time in microseconds. cgroup v1 has no pressure files;
// on a hybrid host they come from the instance's cgroup2 directory.
#include <cstdint>
#include <optional>
#include <string_view>

#include "augur/util/result.h"

namespace augur::host {

struct PressureLine {
  double avg10 = 0;  // percent
  double avg60 = 0;
  double avg300 = 0;
  std::uint64_t total_usec = 0;
  bool operator==(const PressureLine&) const = default;
};

struct Pressure {
  PressureLine some;
  // Kernels before 5.13 have no "full" line in /proc/pressure/cpu.
  std::optional<PressureLine> full;
  bool operator==(const Pressure&) const = default;
};

Result<Pressure> parse_pressure(std::string_view text, std::string_view where = "pressure");

}  // namespace augur::host
