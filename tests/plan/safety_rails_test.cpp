// Safety rails: verification with undo, and the oscillation breaker.
#include <gtest/gtest.h>

#include <algorithm>

#include "scenario.h"

namespace augur::plan {
namespace {

using namespace augur::plan::testing;
using std::chrono::seconds;

// A CPU instance whose usage is capped at `usage`: need - usage is unmet demand.
InstanceInput capped(double alloc, double need, double usage) {
  InstanceInput in = cpu_instance("v", alloc, need);
  in.usage = cpu_vector(usage);
  return in;
}

PlannerOptions verify_options() {
  PlannerOptions o = quiet_options();
  o.plan.cpu.cooldown = seconds(300);  // one change before it is judged
  o.plan.verify_settle = seconds(60);
  return o;
}

TEST(Verification, UndoesAGrowthThatDidNotReduceUnmetDemand) {
  Planner p(verify_options());
  PlanResult r = p.plan(host_at(start_time(), {capped(1.0, 2.0, 1.0)}));
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  ASSERT_DOUBLE_EQ(r.decisions[0].plan.target[Resource::kCpu], 1.25);
  // Applied, but the unmet demand stays at 1 core (say, the bottleneck was elsewhere).
  for (int t = 10; t < 60; t += 10) {
    r = p.plan(host_at(start_time() + seconds(t), {capped(1.25, 2.25, 1.25)}));
    ASSERT_TRUE(r.decisions[0].plan.changes.empty());
  }
  r = p.plan(host_at(start_time() + seconds(60), {capped(1.25, 2.25, 1.25)}));
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  const Change& undo = r.decisions[0].plan.changes[0];
  EXPECT_EQ(undo.reason, "undo");
  EXPECT_DOUBLE_EQ(undo.old_value, 1.25);
  EXPECT_DOUBLE_EQ(undo.new_value, 1.0);
  EXPECT_EQ(r.counters.undos, 1u);
}

TEST(Verification, KeepsAGrowthThatCutUnmetDemand) {
  Planner p(verify_options());
  p.plan(host_at(start_time(), {capped(1.0, 2.0, 1.0)}));
  PlanResult r = p.plan(host_at(start_time() + seconds(60), {capped(1.25, 1.35, 1.25)}));
  for (const Change& c : r.decisions[0].plan.changes) EXPECT_NE(c.reason, "undo");
  EXPECT_EQ(r.counters.undos, 0u);
}

TEST(Verification, DoesNotJudgeAChangeThatWasNeverApplied) {
  Planner p(verify_options());
  p.plan(host_at(start_time(), {capped(1.0, 2.0, 1.0)}));
  // Observe mode: the allocation is still 1.0 and the unmet demand unchanged.
  PlanResult r = p.plan(host_at(start_time() + seconds(60), {capped(1.0, 2.0, 1.0)}));
  EXPECT_TRUE(r.decisions[0].plan.changes.empty());
  EXPECT_EQ(r.counters.undos, 0u);
}

TEST(Verification, UndoesAShrinkThatCreatedUnmetDemand) {
  PlannerOptions o = verify_options();
  o.plan.scale_down_window = seconds(60);
  Planner p(o);
  PlanResult r;
  int t = 0;
  for (; t <= 60; t += 10) r = p.plan(host_at(start_time() + seconds(t), {capped(4.0, 1.0, 1.0)}));
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  ASSERT_EQ(r.decisions[0].plan.changes[0].reason, "scale-down");
  const double shrunk = r.decisions[0].plan.target[Resource::kCpu];
  // The shrink is applied and the instance now stalls for 0.5 core.
  for (t += 10; t < 120; t += 10) {
    r = p.plan(host_at(start_time() + seconds(t), {capped(shrunk, 1.0, 0.5)}));
  }
  r = p.plan(host_at(start_time() + seconds(120), {capped(shrunk, 1.0, 0.5)}));
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  EXPECT_EQ(r.decisions[0].plan.changes[0].reason, "undo");
  EXPECT_DOUBLE_EQ(r.decisions[0].plan.changes[0].new_value, 4.0);
}

// The replay host's CPU (docs/evaluation.md): usage capped at the allocation, quota
// throttling share p = min(1, (demand - a) / a), need = usage + p x a.
InstanceInput throttled(double alloc, double demand) {
  const double usage = std::min(demand, alloc);
  const double share = std::min(1.0, std::max(demand - alloc, 0.0) / alloc);
  InstanceInput in = capped(alloc, usage + share * alloc, usage);
  in.cpu_throttled_share = share;
  return in;
}

// Demand 4x the allocation saturates the share at 1, so unmet demand = the allocation and
// grows with every step: only the usage shows that each growth was used.
TEST(Verification, GrowsASaturatedWorkloadStepByStepToItsDemandWithoutUndo) {
  Planner p(verify_options());
  const double demand = 4.0;
  double alloc = 1.0;
  int growths = 0;
  for (int t = 0; t < 7200; t += 10) {
    const PlanResult r = p.plan(host_at(start_time() + seconds(t), {throttled(alloc, demand)}));
    for (const Change& c : r.decisions[0].plan.changes) {
      ASSERT_NE(c.reason, "undo") << "t " << t << " from " << c.old_value;
      ASSERT_GT(c.new_value, c.old_value);
      ASSERT_LE(c.new_value, c.old_value * 1.25 + 1e-9);  // one step at a time
      alloc = c.new_value;
      ++growths;
    }
  }
  EXPECT_GE(alloc, demand);
  EXPECT_GE(growths, 6);  // 1 -> 4 in steps of at most 25 %
  EXPECT_EQ(p.counters().undos, 0u);
}

TEST(Verification, UndoesAnUnusedGrowthEvenWhileThrottlingIsSaturated) {
  Planner p(verify_options());
  PlanResult r = p.plan(host_at(start_time(), {throttled(1.0, 4.0)}));
  ASSERT_DOUBLE_EQ(r.decisions[0].plan.target[Resource::kCpu], 1.25);
  // Applied, but usage stays at 1 core and the throttling at 1: the growth went unused.
  InstanceInput after = capped(1.25, 1.0 + 1.25, 1.0);
  after.cpu_throttled_share = 1.0;
  r = p.plan(host_at(start_time() + seconds(60), {after}));
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  EXPECT_EQ(r.decisions[0].plan.changes[0].reason, "undo");
  EXPECT_DOUBLE_EQ(r.decisions[0].plan.changes[0].new_value, 1.0);
}

TEST(Verification, KeepsACpuGrowthWhoseThrottledShareFell) {
  Planner p(verify_options());
  p.plan(host_at(start_time(), {throttled(1.0, 1.8)}));  // share 0.8, unmet 0.8
  // Usage flat, unmet 0.875 (not 10 % below 0.8), but the share fell from 0.8 to 0.7.
  InstanceInput after = capped(1.25, 1.0 + 0.7 * 1.25, 1.0);
  after.cpu_throttled_share = 0.7;
  PlanResult r = p.plan(host_at(start_time() + seconds(60), {after}));
  for (const Change& c : r.decisions[0].plan.changes) EXPECT_NE(c.reason, "undo");
  EXPECT_EQ(r.counters.undos, 0u);
  // Without the share (unknown), the same unmet demand is judged alone and undone.
  Planner q(verify_options());
  InstanceInput before = throttled(1.0, 1.8);
  before.cpu_throttled_share = kUnknown;
  q.plan(host_at(start_time(), {before}));
  after.cpu_throttled_share = kUnknown;
  r = q.plan(host_at(start_time() + seconds(60), {after}));
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  EXPECT_EQ(r.decisions[0].plan.changes[0].reason, "undo");
}

PlannerOptions flapping_options() {
  PlannerOptions o = quiet_options();
  o.plan.scale_down_window = seconds(10);
  o.plan.breaker_flips_per_hour = 3;
  o.scale_down_step_factor = 2.0;  // big enough steps to flap quickly
  o.breaker_freeze = std::chrono::minutes(20);
  return o;
}

TEST(OscillationBreaker, FreezesAFlappingInstanceAndThawsLater) {
  Planner p(flapping_options());
  double alloc = 1.0;
  int flips = 0, last_dir = 0, trips_seen = 0;
  std::optional<SteadyTime> frozen_at;
  bool changed_after_thaw = false;
  for (int t = 0; t <= 3600; t += 5) {
    const SteadyTime at = start_time() + seconds(t);
    const double need = (t / 30) % 2 == 0 ? 2.0 : 0.3;  // flips every 30 s
    PlanResult r = p.plan(host_at(at, {cpu_instance("f", alloc, need)}));
    const InstanceDecision& d = r.decisions[0];
    if (!r.newly_frozen.empty()) {
      EXPECT_EQ(r.newly_frozen, std::vector<std::string>{"f"});
      EXPECT_TRUE(d.frozen);
      ++trips_seen;
      if (!frozen_at) frozen_at = at;
    }
    if (frozen_at && at - *frozen_at < std::chrono::minutes(20)) {
      EXPECT_TRUE(d.frozen) << "at " << t;
      EXPECT_TRUE(d.plan.changes.empty()) << "at " << t;
      ASSERT_TRUE(d.frozen_until.has_value());
      EXPECT_EQ(*d.frozen_until, *frozen_at + std::chrono::minutes(20));
    } else if (frozen_at && !d.plan.changes.empty()) {
      changed_after_thaw = true;
    }
    for (const Change& c : d.plan.changes) {
      const int dir = c.new_value > c.old_value ? 1 : -1;
      if (!frozen_at) {
        if (last_dir != 0 && dir != last_dir) ++flips;
        last_dir = dir;
      }
      alloc = c.new_value;
    }
  }
  ASSERT_TRUE(frozen_at.has_value());
  EXPECT_EQ(flips, 3);  // exactly the limit was emitted before the freeze
  EXPECT_GE(trips_seen, 1);
  EXPECT_EQ(p.counters().breaker_trips, static_cast<std::uint64_t>(trips_seen));
  EXPECT_TRUE(changed_after_thaw);
}

TEST(OscillationBreaker, LeavesASteadyNeighbourAlone) {
  Planner p(flapping_options());
  double alloc = 1.0;
  for (int t = 0; t <= 1200; t += 5) {
    const double need = (t / 30) % 2 == 0 ? 2.0 : 0.3;
    PlanResult r = p.plan(host_at(start_time() + seconds(t), {cpu_instance("f", alloc, need),
                                                              cpu_instance("calm", 1.0, 0.87)}));
    EXPECT_FALSE(r.decisions[1].frozen);
    for (const Change& c : r.decisions[0].plan.changes) alloc = c.new_value;
  }
}

}  // namespace
}  // namespace augur::plan
