#pragma once
// The simulated host of ../shared/EVALUATION.md: a trace put on one time grid with, per
// instance and resource, its demand d, its initial allocation a0, and the fixed per-trace
// step, horizon, floors and host capacity. Built once per trace; every policy replays the
// same HostModel.
#include <array>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "augur/core/resource.h"
#include "augur/trace/trace.h"
#include "augur/util/result.h"

namespace augur::replay {

// EVALUATION.md floors: 0.05 core, 64 MiB, 1 MB/s.
inline constexpr double kFloorCpuCores = 0.05;
inline constexpr double kFloorMemoryBytes = 64.0 * 1024 * 1024;
inline constexpr double kFloorBytesPerS = 1e6;
// A resource the trace gives only as a dimensionless fraction (Alibaba utilisation, cluster
// means): the byte floors mean nothing there, so the floor is 0.1 % of the trace's full scale.
inline constexpr double kFloorNormalised = 1e-3;

struct HostOptions {
  double host_capacity_factor = 1.5;  // host capacity = sum of initial allocations x this
};

// How an initial allocation was chosen (EVALUATION.md "Initial allocation").
enum class InitialRule : std::uint8_t {
  kNone,          // resource not simulated: the trace lacks it for this instance
  kProvisioned,   // the trace's provisioned capacity (Bitbrains cores and memory, ...)
  kFirstDayMean,  // mean demand over the first day x 1.25
  kFirstDayP95,   // p95 of the first day's demand (disk, network)
  kFloor,         // the rule gave less than the floor (or nothing): the floor
};
std::string_view initial_rule_name(InitialRule rule);

// One instance on the grid. It lives over ticks [first_tick, last_tick]; its rows are at
// some of those ticks (an outage leaves ticks without a row).
struct HostInstance {
  std::string id;
  std::string app_type;
  std::size_t first_tick = 0;
  std::size_t last_tick = 0;
  std::bitset<kResourceCount> simulated;   // resources with demand and an allocation
  std::bitset<kResourceCount> normalised;  // demand is a trace-specific fraction
  ResourceVector initial;                  // a0; NaN where not simulated
  std::array<InitialRule, kResourceCount> initial_rule{};
  // [tick - first_tick]: 1 where the trace has a row at that tick.
  std::vector<std::uint8_t> present;
  // demand[r][tick - first_tick]; NaN: no row, or the value is masked in the trace.
  std::array<std::vector<double>, kResourceCount> demand;

  [[nodiscard]] std::size_t span() const { return last_tick - first_tick + 1; }
  [[nodiscard]] bool live(std::size_t tick) const {
    return tick >= first_tick && tick <= last_tick;
  }
  // NaN outside the life span.
  [[nodiscard]] double demand_at(Resource r, std::size_t tick) const {
    if (!live(tick)) return kUnknown;
    return demand[static_cast<std::size_t>(r)][tick - first_tick];
  }
};

// What putting the trace on the grid did, beside the loader's TraceReport.
struct GridReport {
  std::size_t rows_placed = 0;  // rows that became a tick of an instance
  std::size_t rows_merged = 0;  // rows that rounded onto a tick already taken (last kept)
  std::vector<std::string> skipped_instances;  // "id: why"
};

struct HostModel {
  std::string trace;              // the path or name replayed
  std::string format;             // the --format name (or "synthetic")
  bool aggregate = false;         // cluster-sum series: reported apart (EVALUATION.md)
  std::int64_t start_s = 0;       // timestamp of tick 0 (the trace's own time base)
  std::chrono::seconds step{0};   // Δ
  std::size_t ticks = 0;          // grid length
  std::size_t horizon_steps = 0;  // H: 6 steps at 5-minute steps, else 30 minutes of steps
  ResourceVector floor;           // per resource, in the trace's units
  ResourceVector capacity;        // host capacity per resource (NaN: no instance has it)
  std::vector<HostInstance> instances;
  trace::TraceReport trace_report;  // from the loader
  GridReport grid;

  [[nodiscard]] double step_minutes() const { return static_cast<double>(step.count()) / 60.0; }
  // Start of tick k in the trace's time base.
  [[nodiscard]] std::int64_t time_s(std::size_t tick) const {
    return start_s + static_cast<std::int64_t>(tick) * step.count();
  }
};

// H per EVALUATION.md: 6 steps at 5-minute steps, else 30 minutes (at least one step).
std::size_t horizon_steps_for(std::chrono::seconds step);

// The p-quantile by nearest rank (the smallest value with at least p of the values at or
// below it); NaN for no values. Reorders `values`.
double nearest_rank_quantile(std::vector<double>& values, double p);

// Puts `trace` on a grid of step Δ = the median of the instances' steps. Each row goes to
// tick round((ts - t0) / Δ); instances whose own step differs from Δ by more than 10 % are
// skipped (listed in grid.skipped_instances; replay them apart), and so are instances with
// no usable demand. Fails when no instance is left.
// Initial allocation per instance and resource (EVALUATION.md):
//  - cpu, memory: the provisioned capacity at the first row that has one, when the format's
//    capacity is the instance's own allocation (bitbrains, augur-csv, aggregate; not
//    alibaba-machine, whose capacity is the whole machine's size); else the mean demand over
//    the first day (ticks within 24 h of the instance's first tick) x 1.25;
//  - disk, network: p95 (nearest rank) of the first day's demand;
//  - never below the floor; a resource with no first-day demand starts at the floor.
// Host capacity = sum of the initial allocations x options.host_capacity_factor.
Result<HostModel> build_host(const trace::Trace& trace, const HostOptions& options = {});

}  // namespace augur::replay
