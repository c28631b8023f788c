#pragma once
// The bytes one read() of a perf counter group returns, parsed by a pure function.
// Layout for read_format = GROUP | TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING | ID
// (perf_event_open(2), "Reading results"): u64 nr, u64 time_enabled, u64 time_running,
// then nr pairs of { u64 value, u64 id }, in native byte order.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "augur/util/result.h"

namespace augur::sampling {

struct GroupReading {
  std::uint64_t time_enabled_ns = 0;
  std::uint64_t time_running_ns = 0;
  std::vector<std::uint64_t> values;  // raw, unscaled, in group order (leader first)
  std::vector<std::uint64_t> ids;     // the kernel's event ids, same order

  // False when the group was enabled but never ran on the PMU (time_running == 0 <
  // time_enabled: multiplexed out): no data, not zero. A group never enabled at all (both
  // 0: its thread or cgroup has not run since the open) has data: exact zeros.
  [[nodiscard]] bool has_data() const { return time_running_ns > 0 || time_enabled_ns == 0; }
  // time_running / time_enabled; 1 when the group was never enabled.
  [[nodiscard]] double multiplex_ratio() const;
  // value * time_enabled / time_running (the kernel's multiplexing estimate); the raw
  // value when never enabled; nullopt without data.
  [[nodiscard]] std::optional<double> scaled(std::size_t index) const;
};

// The exact byte count read() returns for a group of n_events.
[[nodiscard]] constexpr std::size_t group_read_size(std::size_t n_events) {
  return (3 + 2 * n_events) * sizeof(std::uint64_t);
}

// Parses one group read. Errors (never a crash) on a short or over-long buffer, a member
// count other than n_events, or time_running > time_enabled.
[[nodiscard]] Result<GroupReading> parse_group_read(std::span<const std::byte> bytes,
                                                    std::size_t n_events);
// The same into a caller's reading, reusing its vectors (the per-tick path).
[[nodiscard]] Status parse_group_read_into(std::span<const std::byte> bytes, std::size_t n_events,
                                           GroupReading& out);

}  // namespace augur::sampling
