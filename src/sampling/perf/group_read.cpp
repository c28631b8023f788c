#include "augur/sampling/perf/group_read.h"

#include <cstring>
#include <string>

namespace augur::sampling {
namespace {

std::uint64_t load_u64(std::span<const std::byte> bytes, std::size_t word) {
  std::uint64_t v = 0;
  std::memcpy(&v, bytes.data() + word * sizeof v, sizeof v);
  return v;
}

}  // namespace

double GroupReading::multiplex_ratio() const {
  if (time_enabled_ns == 0) return 1.0;
  return static_cast<double>(time_running_ns) / static_cast<double>(time_enabled_ns);
}

std::optional<double> GroupReading::scaled(std::size_t index) const {
  if (!has_data() || index >= values.size()) return std::nullopt;
  const auto v = static_cast<double>(values[index]);
  if (time_running_ns == time_enabled_ns) return v;  // not multiplexed, or never enabled
  return v * static_cast<double>(time_enabled_ns) / static_cast<double>(time_running_ns);
}

Status parse_group_read_into(std::span<const std::byte> bytes, std::size_t n_events,
                             GroupReading& out) {
  const std::size_t expected = group_read_size(n_events);
  if (bytes.size() != expected) {
    return Error{"perf group read of " + std::to_string(bytes.size()) + " bytes, expected " +
                     std::to_string(expected) + " for " + std::to_string(n_events) + " events",
                 "read(perf group)", 0};
  }
  const std::uint64_t nr = load_u64(bytes, 0);
  if (nr != n_events) {
    return Error{"perf group read holds " + std::to_string(nr) + " events, expected " +
                     std::to_string(n_events),
                 "read(perf group)", 0};
  }
  out.time_enabled_ns = load_u64(bytes, 1);
  out.time_running_ns = load_u64(bytes, 2);
  if (out.time_running_ns > out.time_enabled_ns) {
    return Error{"perf group read has time_running " + std::to_string(out.time_running_ns) +
                     " > time_enabled " + std::to_string(out.time_enabled_ns),
                 "read(perf group)", 0};
  }
  out.values.resize(n_events);
  out.ids.resize(n_events);
  for (std::size_t i = 0; i < n_events; ++i) {
    out.values[i] = load_u64(bytes, 3 + 2 * i);
    out.ids[i] = load_u64(bytes, 4 + 2 * i);
  }
  return {};
}

Result<GroupReading> parse_group_read(std::span<const std::byte> bytes, std::size_t n_events) {
  GroupReading r;
  if (auto st = parse_group_read_into(bytes, n_events, r); !st) return st.error();
  return r;
}

}  // namespace augur::sampling
