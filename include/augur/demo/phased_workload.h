#pragma once
// A CPU workload with a repeating load phase, for the demo and the tests that run augurd
// against real cgroups: quiet for the warm-up (Augur learns the workload's normal), then a
// phase every period: page faults from the phase's start, and after `lag_s` the CPU demand
// ramps from low to high over `ramp_s`, holds for `hold_s` and falls back. The faults come
// first so that a drift is visible before the CPU need it announces.
#include <chrono>

namespace augur::demo {

using WorkloadClock = std::chrono::steady_clock;

// Seconds from `start` to now.
[[nodiscard]] double seconds_since(WorkloadClock::time_point start);

struct PhaseSchedule {
  double warmup_s = 36;
  double period_s = 24;
  double lag_s = 3;  // loading -> CPU ramp
  double ramp_s = 4;
  double hold_s = 5;
  double low_cores = 0.15;
  double high_cores = 0.85;

  [[nodiscard]] double phase_start(int round) const { return warmup_s + round * period_s; }
  // The end of `rounds` rounds: the last one's load, plus 2 s.
  [[nodiscard]] double run_s(int rounds) const {
    return phase_start(rounds - 1) + lag_s + ramp_s + hold_s + 2;
  }
  // Seconds into the current phase, or a negative value before the first one.
  [[nodiscard]] double into_phase(double t) const;
  [[nodiscard]] bool loading(double t) const;
  [[nodiscard]] double demand_cores(double t) const;
  // Seconds into a phase at which the demand first exceeds `cores`; negative if never.
  [[nodiscard]] double crossing_s(double cores) const;
};

// The phased schedule, or a steady demand.
struct Workload {
  const PhaseSchedule* phased = nullptr;  // nullptr: steady
  double steady_cores = 0;

  [[nodiscard]] bool loading(double t) const { return phased != nullptr && phased->loading(t); }
  [[nodiscard]] double demand_cores(double t) const {
    return phased != nullptr ? phased->demand_cores(t) : steady_cores;
  }
};

// Runs the workload in this process until it is killed: a thread that maps, touches and
// unmaps 1 MiB every 10 ms while loading (about 25 000 page faults/s for a few percent of a
// CPU), and the calling thread burning the demand in 10 ms slices (busy for demand x 10 ms,
// then asleep to the slice's end). `w` must outlive the process.
[[noreturn]] void run_workload(const Workload& w, WorkloadClock::time_point start);

}  // namespace augur::demo
