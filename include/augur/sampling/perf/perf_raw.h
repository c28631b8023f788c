#pragma once
// Raw counter readings (cumulative, scaled for multiplexing) as the counter source emits
// them; rates are derived from two of these by derive_perf_rates (derive.h).
#include <sys/types.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "augur/core/metric.h"
#include "augur/sampling/perf/event.h"

namespace augur::sampling {

enum class CountingMode { kPerThread, kPerCgroup };

// Cumulative counts of one counted unit, indexed by Metric (kCycles..kPageFaults).
struct PerfCounts {
  std::array<double, kPerfMetricCount> values{};
  std::bitset<kPerfMetricCount> present;

  void set(Metric m, double v) {
    values[static_cast<std::size_t>(m)] = v;
    present.set(static_cast<std::size_t>(m));
  }
  [[nodiscard]] bool has(Metric m) const { return present.test(static_cast<std::size_t>(m)); }
  [[nodiscard]] double get(Metric m) const { return values[static_cast<std::size_t>(m)]; }
};

// One thread (per-thread mode: key = tid) or one CPU (per-cgroup mode: key = cpu).
struct PerfUnitRaw {
  int key = 0;
  // Bumped whenever the unit's groups are reopened (counts restart from 0), so a delta is
  // only taken between readings of the same epoch.
  std::uint32_t epoch = 0;
  PerfCounts counts;
};

struct PerfRaw {
  std::string instance_id;
  CountingMode mode = CountingMode::kPerThread;
  std::bitset<kPerfMetricCount> configured;  // metrics with an event in the config
  std::vector<PerfUnitRaw> units;            // sorted by key
  PerfCounts totals;                         // sum over units (present if any unit has it)
  // Worst time_running / time_enabled over the groups read, since they were opened.
  double multiplex_ratio = 1.0;
  // Configured metrics that cannot be counted, with the reason (e.g. no PMU).
  std::vector<std::pair<Metric, std::string>> missing;
  std::vector<int> gone;  // units found gone during this reading (threads that exited)
};

}  // namespace augur::sampling
