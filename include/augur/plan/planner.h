#pragma once
// The planner: pure decisions from allocation, need, prediction and host state to bounded
// target allocations. One Planner per host; it keeps per-instance state (recent need,
// cooldowns, pending verifications, flips) and is fed one HostInput per tick. It plans the
// same in every mode: it returns Plans and the actuator decides whether to write them.
// Not thread-safe; time comes only from HostInput::at (must not go backwards).
//
// Rules, per instance and resource r, with a = allocation in force, n = need,
// m = plan.headroom_margin, h = plan.hysteresis, B = the config bounds of r:
//
// Planned at all: only when a and n are both known (NaN allocation = unlimited/unknown,
// never planned) and the instance is not frozen by the breaker.
//
// Bounds: lo = B.min, hi = min(B.max if > 0, max_allocation[r], capacity[r]); lo is
//   lowered to hi if above it. Every target lies in [lo, hi]. An allocation found outside
//   it is moved to the nearest bound at once (reason "bounds"; steps and cooldown do not
//   apply to that move, capacity does for an increase). The same move is not proposed again
//   within the cooldown: in observe mode, or while a balloon gets there, the allocation stays
//   outside for a while.
// Scale-up (reason "prediction" or "reactive", the larger wins):
//   reactive:   n x (1 + m), when that exceeds a (serves instances with no history);
//   prediction: when a Prediction is available with increase[r] > 0,
//               (n0 + increase[r] x c) x (1 + m), c = confidence clamped to [0, 1],
//               n0 = the need on the first tick this prediction (by its `at`) was seen,
//               so an increase that has already arrived is not counted twice.
//   CPU is never grown while contention is classified or suspected (below).
// Scale-down (reason "scale-down"): only when n x (1 + m) < a x (1 - h) has held on every
//   tick for plan.scale_down_window (the window restarts after an increase of r; further
//   shrinks then follow the cooldown); target = max(peak n over the last
//   scale_down_window x (1 + m), lo): never below recent peak need plus margin. Memory is
//   never lowered while memory_pressure is set (any reason, undo included), and pressure
//   restarts memory's low-need window.
// Step: an increase moves at most B.max_step_fraction x max(a, lo); a decrease at most
//   that x scale_down_step_factor (0.5): slower than scale-up. Clamp "max-step".
// Cooldown: no change of r within B.cooldown of the previous change of r (undo included;
//   undo itself ignores cooldown).
// Hysteresis: a change smaller than h x a is dropped (after every clamp).
// Host capacity: per resource with known capacity, budget = capacity x overcommit_ratio
//   (x 1 when measured utilisation >= overcommit_utilisation_ceiling). Decreases and held
//   allocations are counted first; increases are then granted in priority order (higher
//   `priority` first; ties by instance_id ascending, so the outcome is deterministic),
//   each cut to what is left (clamp "host-capacity") and dropped if the cut leaves less
//   than the hysteresis. The sum of targets never exceeds the budget unless the held
//   allocations already did, and then nothing grows.
// Contention (CPU): over contention_window split in an early and a late half, with
//   stall = max(runqueue_wait_share, cpu_pressure_some): stall rose by at least
//   contention_stall_rise while own work rose by at most contention_own_flat_fraction of
//   its early level (floored at contention_own_floor_cores) and by at most
//   contention_own_vs_stall x the stall rise => contention. Own work that fell counts as
//   flat: a victim squeezed by a neighbour loses CPU time while it waits more. The halves split the
//   history held within the window at its middle (a young instance is judged on what there is).
//   Antagonists: other instances of this tick whose newest CPU need is above their
//   early-half mean by >= contention_antagonist_rise_fraction of it and by
//   >= contention_antagonist_min_cores, largest rise first (an empty list means the
//   pressure comes from outside the known instances). The
//   classification latches while the stall stays above early stall + half the rise
//   threshold and own work stays flat against its level when latched. Quota throttling
//   (cpu_throttled_share) rising by contention_hold_rise or more means the cap binds: that
//   is demand, never contention. Suspicion: before the rise reaches the threshold, CPU
//   growth is already held back (contention_suspected) while the newest stall is at least
//   contention_hold_rise above the early mean and the newest own work is flat, so the
//   reactive rule does not grow a victim on the first ticks of a neighbour's ramp.
// Verification: a growth made while r had unmet demand u0 > 0 is checked once, at the
//   first tick plan.verify_settle after it, if it is in force (allocation within
//   verify_applied_tolerance of its new value; changes never applied are not verified):
//   unmet now > u0 x (1 - verify_min_improvement) => undo to the old value, except for a
//   CPU growth whose cpu_throttled_share is known then and now and that was used: usage
//   rose by >= verify_min_usage_gain x the growth, or the share (if >=
//   verify_unmet_floor_fraction) fell by >= verify_min_improvement of itself. Unmet demand
//   is usage + share x allocation, so with the share saturated at 1 it grows with the
//   allocation and would undo every growth of a workload demanding twice its cap. A shrink is
//   undone when it created unmet demand: unmet now > max(u0, verify_unmet_floor_fraction
//   x a). Undo has reason "undo". A proactive growth made with no unmet demand (u0 = 0)
//   is not verified (there was nothing to cut); scale-down takes it back if unneeded.
// Oscillation breaker: a change whose direction differs from the previous change of the
//   same r is a flip; when emitting it would make the flips within breaker_window exceed
//   plan.breaker_flips_per_hour, the instance is frozen for breaker_freeze instead (no
//   changes of any resource, flips forgotten, pending verifications dropped), reported in
//   newly_frozen and counted. It judges proposals before the capacity pass, so a frozen
//   instance's dropped decrease never frees capacity for others.
#include <memory>
#include <string>
#include <string_view>

#include "augur/plan/planner_types.h"

namespace augur::plan {

class Planner {
 public:
  explicit Planner(PlannerOptions options);
  ~Planner();
  Planner(Planner&&) noexcept;
  Planner& operator=(Planner&&) noexcept;
  Planner(const Planner&) = delete;
  Planner& operator=(const Planner&) = delete;

  // One tick: updates per-instance state and returns a decision per instance, in input
  // order. Instance ids must be unique within a tick. Instances absent from a tick keep
  // their state until forget().
  PlanResult plan(const HostInput& host);

  // Drops an instance's state (it vanished).
  void forget(std::string_view instance_id);

  // Reload: new options apply from the next tick; per-instance state is kept.
  void set_options(PlannerOptions options);
  [[nodiscard]] const PlannerOptions& options() const;
  [[nodiscard]] const PlannerCounters& counters() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace augur::plan
