#pragma once
// Contention is not demand: the CPU-drift classification of the planner (rule documented in
// augur/plan/planner.h). Pure functions over each instance's recent CPU history.
#include <deque>
#include <string>
#include <vector>

#include "augur/plan/planner_types.h"
#include "augur/util/clock.h"

namespace augur::plan {

struct CpuPoint {
  SteadyTime at{};
  double stall = kUnknown;      // max(run-queue wait share, CPU pressure some)
  double own = kUnknown;        // own work, cores
  double need = kUnknown;       // CPU need, cores
  double throttled = kUnknown;  // quota throttled share
};

// Means over the early and the late half of the history held within the window (split at
// the middle between its oldest point and now).
struct HalfMeans {
  double stall_early = kUnknown, stall_late = kUnknown;
  double own_early = kUnknown, own_late = kUnknown;
  double need_early = kUnknown, need_late = kUnknown;
  double throttled_early = kUnknown, throttled_late = kUnknown;
  double stall_last = kUnknown, own_last = kUnknown, need_last = kUnknown;  // newest point
  int stall_n_early = 0, stall_n_late = 0;
  int own_n_early = 0, own_n_late = 0;
  int need_n_early = 0, need_n_late = 0;
};

// Appends p and forgets points at or before p.at - window.
void push_cpu_point(std::deque<CpuPoint>& history, const CpuPoint& p, Nanos window);
HalfMeans half_means(const std::deque<CpuPoint>& history, SteadyTime now, Nanos window);

// The stall of a CPU sample: the larger known of run-queue wait and PSI some.
double stall_of(double runqueue_wait_share, double cpu_pressure_some);

struct ContentionLatch {
  bool active = false;
  double stall_threshold = 0;  // stay latched while the late stall is at least this
  double own_ref = 0;          // own work when latched
  std::vector<std::string> antagonists;
};

// Whether own work moved by at most the flat fraction of `reference`.
bool own_work_flat(double reference, double now, const PlannerOptions& o);

// A fresh classification from the window (latch not considered): true when the stall rose
// enough while own work stayed flat and quota throttling did not rise.
bool rose_while_flat(const HalfMeans& m, const PlannerOptions& o);

// Suspicion: the newest stall is contention_hold_rise above the early mean while the newest
// own work is flat against the early mean and throttling did not rise.
bool suspect_contention(const HalfMeans& m, const PlannerOptions& o);

// How much a neighbour's CPU need rose (newest need minus the early-half mean, cores) if it
// counts as an antagonist, else < 0. The newest point, not the late-half mean, so a short
// ramp at the end of the window is seen as soon as the victim's stall is.
double antagonist_rise(const HalfMeans& m, const PlannerOptions& o);

}  // namespace augur::plan
