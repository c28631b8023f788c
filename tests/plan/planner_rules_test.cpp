// One rule of the planner per test, on hand-made ticks.
#include <gtest/gtest.h>

#include "scenario.h"

namespace augur::plan {
namespace {

using namespace augur::plan::testing;

const Change* find_change(const PlanResult& r, std::size_t i, Resource res) {
  for (const Change& c : r.decisions.at(i).plan.changes) {
    if (c.resource == res) return &c;
  }
  return nullptr;
}

// Whether the first instance's plan changes its CPU (takes the result by value, so it can
// be called on a temporary).
bool has_cpu_change(const PlanResult r) {
  return find_change(r, 0, Resource::kCpu) != nullptr;
}

TEST(Planner, ReactiveRuleGrowsInstanceWithoutPredictionByOneStep) {
  Planner p(quiet_options());
  PlanResult r = p.plan(host_at(start_time(), {cpu_instance("a", 1.0, 2.0)}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "reactive");
  EXPECT_EQ(c->clamp, "max-step");
  EXPECT_DOUBLE_EQ(c->old_value, 1.0);
  EXPECT_DOUBLE_EQ(c->new_value, 1.25);
  EXPECT_DOUBLE_EQ(r.decisions[0].plan.target[Resource::kCpu], 1.25);
  EXPECT_EQ(r.decisions[0].cpu_knob, CpuKnob::kQuota);
}

TEST(Planner, ReactiveTargetIsNeedPlusMarginWhenWithinOneStep) {
  Planner p(quiet_options());
  PlanResult r = p.plan(host_at(start_time(), {cpu_instance("a", 1.0, 1.0)}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_DOUBLE_EQ(c->new_value, 1.15);
  EXPECT_EQ(c->clamp, "");
}

TEST(Planner, PredictionGrowsBeforeNeedRises) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.max_step_fraction = 1.0;
  Planner p(o);
  InstanceInput in = cpu_instance("a", 1.0, 0.8);
  Prediction pred;
  pred.available = true;
  pred.at = start_time();
  pred.increase = cpu_vector(1.0);
  pred.confidence = 0.5;
  in.prediction = pred;
  PlanResult r = p.plan(host_at(start_time(), {in}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "prediction");
  EXPECT_NEAR(c->new_value, (0.8 + 1.0 * 0.5) * 1.15, 1e-9);
}

TEST(Planner, PredictedIncreaseIsNotCountedTwiceOnceItArrives) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.max_step_fraction = 1.0;
  Planner p(o);
  Prediction pred;
  pred.available = true;
  pred.at = start_time();
  pred.increase = cpu_vector(1.0);
  pred.confidence = 1.0;
  InstanceInput in = cpu_instance("a", 1.2, 1.0);
  in.prediction = pred;
  PlanResult first = p.plan(host_at(start_time(), {in}));
  ASSERT_NE(find_change(first, 0, Resource::kCpu), nullptr);
  EXPECT_NEAR(first.decisions[0].plan.target[Resource::kCpu], 2.0 * 1.15, 1e-9);
  // The increase arrived: need is now 2.0 and the allocation 2.3; no second +1.0.
  InstanceInput later = cpu_instance("a", 2.3, 2.0);
  later.prediction = pred;
  PlanResult second = p.plan(host_at(start_time() + seconds(10), {later}));
  EXPECT_EQ(find_change(second, 0, Resource::kCpu), nullptr);
}

TEST(Planner, CooldownBlocksASecondChangeOfTheSameResource) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.cooldown = seconds(60);
  Planner p(o);
  ASSERT_TRUE(has_cpu_change(p.plan(host_at(start_time(), {cpu_instance("a", 1.0, 2.0)}))));
  EXPECT_FALSE(
      has_cpu_change(p.plan(host_at(start_time() + seconds(59), {cpu_instance("a", 1.25, 2.0)}))));
  EXPECT_TRUE(
      has_cpu_change(p.plan(host_at(start_time() + seconds(60), {cpu_instance("a", 1.25, 2.0)}))));
}

TEST(Planner, HysteresisIgnoresChangesBelowTheFraction) {
  Planner p(quiet_options());
  // 0.9 x 1.15 = 1.035: 3.5 % above the allocation, below the 5 % hysteresis.
  PlanResult r = p.plan(host_at(start_time(), {cpu_instance("a", 1.0, 0.9)}));
  EXPECT_TRUE(r.decisions[0].plan.changes.empty());
  EXPECT_DOUBLE_EQ(r.decisions[0].plan.target[Resource::kCpu], 1.0);
}

TEST(Planner, InstanceMaximumBoundsTheTarget) {
  Planner p(quiet_options());
  InstanceInput in = cpu_instance("a", 1.0, 2.0);
  in.max_allocation = cpu_vector(1.1);
  const PlanResult r = p.plan(host_at(start_time(), {in}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_DOUBLE_EQ(c->new_value, 1.1);
  EXPECT_EQ(c->clamp, "instance-max");
}

TEST(Planner, AllocationBelowTheMinimumIsRaisedToIt) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.min = 0.5;
  Planner p(o);
  const PlanResult r = p.plan(host_at(start_time(), {cpu_instance("a", 0.2, 0.1)}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "bounds");
  EXPECT_DOUBLE_EQ(c->new_value, 0.5);
}

// cpu.min 0.5 with a 60 s cooldown.
PlannerOptions min_half_core_minute_cooldown() {
  PlannerOptions o = quiet_options();
  o.plan.cpu.min = 0.5;
  o.plan.cpu.cooldown = seconds(60);
  return o;
}

// Observe mode, or a balloon still deflating: the allocation stays below the minimum after
// the correction was sent. The same correction is sent again once per cooldown, not per tick.
TEST(Planner, AnUnheededBoundsCorrectionIsRepeatedOncePerCooldown) {
  Planner p(min_half_core_minute_cooldown());
  ASSERT_TRUE(has_cpu_change(p.plan(host_at(start_time(), {cpu_instance("a", 0.2, 0.1)}))));
  for (int s = 1; s < 60; s += 7) {
    EXPECT_FALSE(
        has_cpu_change(p.plan(host_at(start_time() + seconds(s), {cpu_instance("a", 0.2, 0.1)}))))
        << s << " s after";
  }
  EXPECT_TRUE(
      has_cpu_change(p.plan(host_at(start_time() + seconds(60), {cpu_instance("a", 0.2, 0.1)}))));
}

// A new bound (a reload) is corrected at once, cooldown or not.
TEST(Planner, ANewBoundIsCorrectedAtOnceEvenInTheCooldown) {
  PlannerOptions o = min_half_core_minute_cooldown();
  Planner p(o);
  ASSERT_TRUE(has_cpu_change(p.plan(host_at(start_time(), {cpu_instance("a", 0.2, 0.1)}))));
  o.plan.cpu.min = 0.6;
  p.set_options(o);
  const PlanResult r = p.plan(host_at(start_time() + seconds(1), {cpu_instance("a", 0.5, 0.1)}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "bounds");
  EXPECT_DOUBLE_EQ(c->new_value, 0.6);
}

TEST(Planner, HigherPriorityGetsScarceCapacityFirst) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.max_step_fraction = 1.0;
  Planner p(o);
  InstanceInput low = cpu_instance("a-low", 1.0, 3.0);
  InstanceInput high = cpu_instance("b-high", 1.0, 3.0);
  high.priority = 5;
  HostInput h = host_at(start_time(), {low, high});
  h.capacity = cpu_vector(2.5);  // 0.5 core left to hand out; each wants 1
  PlanResult r = p.plan(h);
  EXPECT_EQ(find_change(r, 0, Resource::kCpu), nullptr);
  const Change* c = find_change(r, 1, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_DOUBLE_EQ(c->new_value, 1.5);
  EXPECT_EQ(c->clamp, "host-capacity");
  EXPECT_EQ(r.counters.capacity_limited, 2u);
}

TEST(Planner, EqualPriorityTiesGoToTheLowerInstanceId) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.max_step_fraction = 1.0;
  Planner p(o);
  HostInput h = host_at(start_time(), {cpu_instance("zz", 1.0, 3.0), cpu_instance("aa", 1.0, 3.0)});
  h.capacity = cpu_vector(3.0);
  PlanResult r = p.plan(h);
  EXPECT_EQ(find_change(r, 0, Resource::kCpu), nullptr);
  EXPECT_NE(find_change(r, 1, Resource::kCpu), nullptr);
}

TEST(Planner, OvercommitIsWithdrawnWhenTheHostIsBusy) {
  PlannerOptions o = quiet_options();
  o.plan.overcommit_ratio = 2.0;
  // Capacity 2, allocations 1 + 1: only overcommit leaves room to grow "a".
  HostInput h = host_at(start_time(), {cpu_instance("a", 1.0, 4.0), cpu_instance("b", 1.0, 0.9)});
  h.capacity = cpu_vector(2.0);
  h.utilisation = cpu_vector(0.5);
  {
    Planner p(o);
    EXPECT_TRUE(has_cpu_change(p.plan(h)));
  }
  h.utilisation = cpu_vector(0.95);
  Planner p(o);
  EXPECT_FALSE(has_cpu_change(p.plan(h)));
}

TEST(Planner, ScalesDownOnlyAfterTheWindowAndSlowerThanUp) {
  Planner p(quiet_options());  // window 300 s, step 0.25, down factor 0.5
  SteadyTime t = start_time();
  for (int s = 0; s < 300; s += 10) {
    PlanResult r = p.plan(host_at(t + seconds(s), {cpu_instance("a", 4.0, 1.0)}));
    EXPECT_TRUE(r.decisions[0].plan.changes.empty()) << "at " << s << " s";
  }
  PlanResult r = p.plan(host_at(t + seconds(300), {cpu_instance("a", 4.0, 1.0)}));
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "scale-down");
  EXPECT_DOUBLE_EQ(c->new_value, 4.0 - 4.0 * 0.25 * 0.5);
}

TEST(Planner, ScaleDownStopsAtRecentPeakNeedPlusMargin) {
  PlannerOptions o = quiet_options();
  o.scale_down_step_factor = 4.0;  // a full-size step, so the floor binds
  Planner p(o);
  SteadyTime t = start_time();
  PlanResult r;
  for (int s = 0; s <= 300; s += 10) {
    const double need = s == 100 ? 2.0 : 1.0;  // one peak inside the window
    r = p.plan(host_at(t + seconds(s), {cpu_instance("a", 4.0, need)}));
  }
  const Change* c = find_change(r, 0, Resource::kCpu);
  ASSERT_NE(c, nullptr);
  EXPECT_NEAR(c->new_value, 2.0 * 1.15, 1e-9);
}

TEST(Planner, MemoryIsNotShrunkUnderPressure) {
  Planner p(quiet_options());
  SteadyTime t = start_time();
  auto mem = [](double alloc, double need, bool pressure) {
    InstanceInput in;
    in.instance_id = "m";
    in.allocation[Resource::kMemory] = alloc;
    in.need[Resource::kMemory] = need;
    in.usage[Resource::kMemory] = need;
    in.memory_pressure = pressure;
    return in;
  };
  for (int s = 0; s <= 600; s += 10) {
    PlanResult r = p.plan(host_at(t + seconds(s), {mem(8e9, 1e9, s % 100 == 0)}));
    EXPECT_TRUE(r.decisions[0].plan.changes.empty()) << "at " << s << " s";
  }
  // Pressure gone for the whole window: now it shrinks.
  PlanResult r;
  for (int s = 610; s <= 1000; s += 10) {
    r = p.plan(host_at(t + seconds(s), {mem(8e9, 1e9, false)}));
    if (!r.decisions[0].plan.changes.empty()) break;
  }
  ASSERT_EQ(r.decisions[0].plan.changes.size(), 1u);
  EXPECT_LT(r.decisions[0].plan.changes[0].new_value, 8e9);
}

TEST(Planner, UnknownAllocationOrNeedIsNotPlanned) {
  Planner p(quiet_options());
  InstanceInput in = cpu_instance("a", 1.0, 3.0);
  in.allocation[Resource::kCpu] = kUnknown;
  in.need[Resource::kMemory] = 1e9;  // no memory allocation known either
  PlanResult r = p.plan(host_at(start_time(), {in}));
  EXPECT_TRUE(r.decisions[0].plan.changes.empty());
}

TEST(Planner, PlansTheSameWhateverTheCallerDoesWithThePlan) {
  // Two planners, same ticks: identical decisions (mode is the actuator's business).
  Planner a(quiet_options());
  Planner b(quiet_options());
  for (int s = 0; s < 100; s += 10) {
    HostInput h = host_at(start_time() + seconds(s), {cpu_instance("x", 1.0, 1.0 + s / 50.0)});
    PlanResult ra = a.plan(h);
    PlanResult rb = b.plan(h);
    ASSERT_EQ(ra.decisions[0].plan.changes.size(), rb.decisions[0].plan.changes.size());
    EXPECT_EQ(ra.decisions[0].plan.target[Resource::kCpu],
              rb.decisions[0].plan.target[Resource::kCpu]);
  }
}

TEST(Planner, ForgetDropsTheInstanceState) {
  PlannerOptions o = quiet_options();
  o.plan.cpu.cooldown = seconds(600);
  Planner p(o);
  ASSERT_FALSE(p.plan(host_at(start_time(), {cpu_instance("a", 1.0, 2.0)}))
                   .decisions[0]
                   .plan.changes.empty());
  p.forget("a");
  EXPECT_FALSE(p.plan(host_at(start_time() + seconds(1), {cpu_instance("a", 1.0, 2.0)}))
                   .decisions[0]
                   .plan.changes.empty());
}

}  // namespace
}  // namespace augur::plan
