#pragma once
// Plain inputs and outputs of the planner (augur/plan/planner.h). Values only: the caller
// builds them from Samples, Predictions and the host's capacity; the planner never reads
// the system and never logs.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "augur/config/config.h"
#include "augur/core/decisions.h"
#include "augur/core/resource.h"
#include "augur/util/clock.h"

namespace augur::plan {

// Which knob a CPU target is meant for. The planner always plans CPU in cores for the
// quota (cgroup cpu.max / cfs_quota, libvirt vcpu_quota or global_quota): vCPU hot-unplug
// is unreliable (QEMU 7.2 TCG never reports the device deleted, libvirt keeps a stale
// count; ../shared/recipes/libvirt-qemu-tcg/README.md), so a CPU scale-down is never a
// vCPU count change. An actuator may still hot-plug vCPUs when a quota target exceeds the
// vCPU count; that is the actuator's choice, not the planner's.
enum class CpuKnob { kQuota };

// Tunables beyond config::PlanSection. Defaults are the documented behaviour.
struct PlannerOptions {
  config::PlanSection plan;

  // Scale-down step = max_step_fraction x this: shrinking is slower than growing.
  double scale_down_step_factor = 0.5;

  // Overcommit (plan.overcommit_ratio > 1) is granted only while the host's measured
  // utilisation of the resource is below this; above it the budget is capacity x 1, so a
  // busy host is not overcommitted further.
  double overcommit_utilisation_ceiling = 0.85;

  // Contention (CPU): compared over this window, split into an early and a late half. A
  // ramp much slower than the window shows as a small half-to-half rise and may escape
  // classification (suspicion still holds growth while it lasts): 5 min covers the ramps
  // of a neighbour starting a batch job; lengthen it for slower antagonists.
  Nanos contention_window = std::chrono::seconds(300);
  // Stall (max of run-queue wait share and CPU pressure "some") must rise by at least this
  // (absolute share of wall time) from the early to the late half.
  double contention_stall_rise = 0.05;
  // Own work (cpu usage or task-clock, cores) is flat when it moved by at most this
  // fraction of its early level (floored at contention_own_floor_cores).
  double contention_own_flat_fraction = 0.10;
  double contention_own_floor_cores = 0.05;
  // ... and by at most this fraction of the stall rise (both in cores): the tail of a
  // genuine demand rise drags waits up with own work, a victim's own work stays put.
  double contention_own_vs_stall = 0.5;
  // A neighbour is an antagonist when its CPU need rose by at least this fraction of its
  // early level and by at least contention_antagonist_min_cores.
  double contention_antagonist_rise_fraction = 0.10;
  double contention_antagonist_min_cores = 0.05;
  // Samples needed in each half before anything is classified.
  int contention_min_samples_per_half = 2;
  // Suspicion, before the rise is big enough to classify: CPU growth is held back while
  // the latest stall is at least this above the early-half mean with own work flat (the
  // reactive rule would otherwise grow a victim on the first few ticks of a neighbour's
  // ramp, before the classification threshold is reached). A noise floor, not a verdict.
  double contention_hold_rise = 0.01;

  // Verification: a growth made while the resource had unmet demand must cut that unmet
  // demand by at least this fraction, else it is undone.
  double verify_min_improvement = 0.10;
  // ... unless (CPU, with cpu_throttled_share measured before and after) the usage rose by
  // at least this fraction of the growth, or the throttled share fell by at least
  // verify_min_improvement of its level: the growth was used. Unmet demand cannot show it
  // once the share saturates at 1 (unmet = share x allocation grows with the allocation).
  double verify_min_usage_gain = 0.5;
  // Unmet demand below this fraction of the allocation counts as none (noise floor), for
  // deciding whether a shrink created unmet demand.
  double verify_unmet_floor_fraction = 0.02;
  // A change counts as in force when the reported allocation is within this relative
  // distance of its new value; changes never applied (observe, advise) are not verified.
  double verify_applied_tolerance = 0.01;

  // How long the oscillation breaker freezes an instance.
  Nanos breaker_freeze = std::chrono::hours(1);
  // The window over which direction flips are counted.
  Nanos breaker_window = std::chrono::hours(1);
};

// One instance on one tick.
struct InstanceInput {
  std::string instance_id;
  int priority = 0;               // higher gets host capacity first
  ResourceVector allocation;      // in force now; NaN: unknown/unlimited, not planned
  ResourceVector max_allocation;  // the instance's own maximum (vCPUs, maxMemory); NaN: none
  ResourceVector need;            // usage + unmet demand (predict::need_from_sample)
  ResourceVector usage;           // usage alone; unmet = max(need - usage, 0)
  bool memory_pressure = false;   // memory pressure stalls now: never shrink memory
  // Contention inputs (CPU). NaN: unknown.
  double runqueue_wait_share = kUnknown;  // summed over threads, per wall second
  double cpu_pressure_some = kUnknown;    // PSI some, 0..1
  double own_work_cores = kUnknown;       // cpu usage or task-clock, cores
  double cpu_throttled_share = kUnknown;  // quota throttling, 0..1: rising = the cap binds
  // The current prediction for this instance, if any; pass it for as long as it applies.
  std::optional<Prediction> prediction;
};

// One host on one tick.
struct HostInput {
  SteadyTime at{};
  ResourceVector capacity;     // NaN: unknown (no capacity or overcommit rule)
  ResourceVector utilisation;  // measured, 0..1 per resource; NaN: unknown
  std::vector<InstanceInput> instances;
};

// CPU drift explained by contention rather than demand.
struct ContentionFinding {
  std::string instance_id;  // the victim
  SteadyTime at{};
  double stall_rise = 0;                 // late minus early stall share
  double own_work_change_fraction = 0;   // (late - early) / early own work
  std::vector<std::string> antagonists;  // neighbours whose CPU need rose, largest first
};

struct InstanceDecision {
  Plan plan;  // target per resource (= allocation where unchanged) and the changes
  CpuKnob cpu_knob = CpuKnob::kQuota;
  bool contention = false;            // CPU drift classified as contention this tick
  bool contention_suspected = false;  // CPU growth held back (contention or suspicion)
  bool frozen = false;                // breaker freeze in force: no changes
  std::optional<SteadyTime> frozen_until;
};

// Cumulative since the planner was made.
struct PlannerCounters {
  std::uint64_t changes = 0;
  std::uint64_t undos = 0;
  std::uint64_t breaker_trips = 0;
  std::uint64_t contention_ticks = 0;
  std::uint64_t capacity_limited = 0;  // increases cut by host capacity

  bool operator==(const PlannerCounters&) const = default;
};

struct PlanResult {
  SteadyTime at{};
  std::vector<InstanceDecision> decisions;  // in HostInput::instances order
  std::vector<ContentionFinding> contention;
  std::vector<std::string> newly_frozen;  // frozen by the breaker on this tick
  PlannerCounters counters;
};

}  // namespace augur::plan
