// Each policy through the runner on hand-made traces with answers worked out by hand:
// static, oracle and reactive (VPA) exactly; augur where the planner's documented rules
// leave nothing to change or bound the outcome. Plus the runner's own contract (what a
// policy sees, bounds).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "augur/replay/replay.h"
#include "augur/replay/vpa.h"
#include "replay_test_util.h"

namespace augur::replay {
namespace {

using test::kGiB;
using test::kMiB;

constexpr std::size_t kCpu = 0, kMemory = 1;

HostModel host_of(std::vector<trace::TraceInstance> instances, double capacity_factor) {
  HostOptions o;
  o.host_capacity_factor = capacity_factor;
  auto h = build_host(test::make_trace(std::move(instances)), o);
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message());
  return std::move(h).value();
}

PolicyRun run(const HostModel& host, Policy& p) {
  auto r = run_policy(host, p);
  EXPECT_TRUE(r.has_value());
  return std::move(r).value();
}

// End of VPA bucket k (what a percentile in bucket k - 1 returns): first (1.05^k - 1) / 0.05.
double bucket_end(double first, int k) {
  return first * (std::pow(1.05, k) - 1) / 0.05;
}

void expect_series(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_NEAR(got[k], want[k], 1e-9 * std::max(1.0, std::abs(want[k]))) << "step " << k;
  }
}

// d = 0.5, 0.5, 1.5, 2.0, 0.5, 0.5 cores; a0 = 1 core (provisioned); host capacity 3 cores.
struct SixSteps : ::testing::Test {
  void SetUp() override {
    test::Series s;
    s.cpu = {0.5, 0.5, 1.5, 2.0, 0.5, 0.5};
    s.cpu_capacity = 1.0;
    host = host_of({test::make_instance("vm", s)}, 3.0);
  }
  HostModel host;
  const double day_fraction = 6 * 300.0 / 86400;  // instance-days of the trace
};

TEST_F(SixSteps, Static) {
  auto p = make_static_policy();
  const PolicyRun r = run(host, *p);
  expect_series(r.allocation[0][kCpu], {1, 1, 1, 1, 1, 1});
  const Figures& f = r.figures.resources[kCpu];
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 10.0);  // t2, t3
  EXPECT_DOUBLE_EQ(f.unmet_demand, (0.5 + 1.0) * 5);
  EXPECT_NEAR(f.mean_relative_slack, 2.0 / 6, 1e-12);  // (.5+.5+0+0+.5+.5) / 6
  EXPECT_NEAR(f.mean_instance_slack, 2.0 / 6, 1e-12);
  EXPECT_DOUBLE_EQ(f.changes_per_instance_day, 0.0);
  // t2: 1.5 > 0.5 + 0.2; t3: 2.0 > 1.5 + 0.2; neither covered by a(0) = 1 nor hit.
  EXPECT_EQ(f.rises, 2u);
  EXPECT_EQ(f.covered, 0u);
  EXPECT_EQ(f.hits, 0u);
  EXPECT_DOUBLE_EQ(f.lead_time_hit_rate, 0.0);
  EXPECT_TRUE(std::isnan(f.prediction_error));
  EXPECT_FALSE(r.predictions.has_value());
  EXPECT_DOUBLE_EQ(r.figures.total.under_provisioned_minutes, 10.0);
  EXPECT_DOUBLE_EQ(r.figures.total.unmet_demand, 7.5);  // / a0 = 1
}

TEST_F(SixSteps, Oracle) {
  auto p = make_oracle_policy();
  const PolicyRun r = run(host, *p);
  // 1.05 x peak of d over [t, t + 5]: 2.0 until t3, then 0.5.
  expect_series(r.allocation[0][kCpu], {2.1, 2.1, 2.1, 2.1, 0.525, 0.525});
  const Figures& f = r.figures.resources[kCpu];
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 0.0);
  EXPECT_DOUBLE_EQ(f.unmet_demand, 0.0);
  EXPECT_NEAR(f.mean_relative_slack, (4 * 2.1 + 2 * 0.525 - 5.5) / (4 * 2.1 + 2 * 0.525), 1e-12);
  EXPECT_NEAR(f.changes_per_instance_day, 1 / day_fraction, 1e-9);  // t4
  EXPECT_EQ(f.rises, 2u);
  EXPECT_EQ(f.covered, 2u);  // a(0) = 2.1 covers both
  EXPECT_TRUE(std::isnan(f.lead_time_hit_rate));
  EXPECT_DOUBLE_EQ(f.hits_per_rise, 0.0);
}

TEST(Oracle, RaisesWithinTheHorizonBeforeARise) {
  test::Series s;
  s.cpu = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 2.0, 2.0};
  s.cpu_capacity = 1.0;
  const HostModel host = host_of({test::make_instance("vm", s)}, 3.0);
  auto p = make_oracle_policy();
  const PolicyRun r = run(host, *p);
  // [t, t + 5] reaches step 8 from t = 3 on.
  expect_series(r.allocation[0][kCpu], {0.525, 0.525, 0.525, 2.1, 2.1, 2.1, 2.1, 2.1, 2.1, 2.1});
  const Figures& f = r.figures.resources[kCpu];
  // t8: a rise; a(2) = 0.525 < 2 (not covered); a(8) = 2.1 >= 2, raised by 1.575: a hit.
  EXPECT_EQ(f.rises, 1u);
  EXPECT_EQ(f.covered, 0u);
  EXPECT_EQ(f.hits, 1u);
  EXPECT_DOUBLE_EQ(f.lead_time_hit_rate, 1.0);
}

// Constant demand far below a generous allocation: VPA shrinks once its upper bound,
// p95 x 1.15 x (1 + 1/confidence), falls below the allocation, and moves to the target.
TEST(Reactive, ShrinksWhenTheUpperBoundFallsBelowTheAllocation) {
  test::Series s;
  s.cpu = test::repeat(0.5, 200);
  s.cpu_capacity = 2.0;
  s.memory = test::repeat(1 * kGiB, 200);
  s.memory_capacity = 4 * kGiB;
  const HostModel host = host_of({test::make_instance("vm", s)}, 1.5);
  auto p = vpa::make_reactive_policy();
  const PolicyRun r = run(host, *p);
  // Every sample falls in one bucket, so every percentile is that bucket's end: 0.5 cores
  // is in bucket floor(log(0.5 x 0.05 / 0.01 + 1) / log 1.05) = 25; 1 GiB in bucket
  // floor(log(2^30 x 0.05 / 1e7 + 1) / log 1.05) = 37.
  const double cpu_target = 1.15 * bucket_end(0.01, 26);
  const double mem_target = 1.15 * bucket_end(1e7, 38);
  // Deciding step t, the history spans steps 0..t-1: lifespan (t - 1) x 300 s, and
  // 5 one-minute samples per step: confidence = min((t-1)/288, 5t/1440) = (t - 1) / 288.
  // CPU: cpu_target x (1 + 288 / (t - 1)) < 2 first at t = 121 (t - 1 > 119.88).
  // Memory: mem_target x (1 + 288 / (t - 1)) < 4 GiB first at t = 118 (t - 1 > 116.7).
  std::vector<double> cpu(200, 2.0), mem(200, 4 * kGiB);
  for (std::size_t t = 121; t < 200; ++t) cpu[t] = cpu_target;
  for (std::size_t t = 118; t < 200; ++t) mem[t] = mem_target;
  expect_series(r.allocation[0][kCpu], cpu);
  expect_series(r.allocation[0][kMemory], mem);
  const Figures& f = r.figures.resources[kCpu];
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 0.0);
  EXPECT_NEAR(f.mean_relative_slack,
              (121 * 1.5 + 79 * (cpu_target - 0.5)) / (121 * 2.0 + 79 * cpu_target), 1e-12);
  EXPECT_NEAR(f.changes_per_instance_day, 1 / (200 * 300.0 / 86400), 1e-9);
  EXPECT_NEAR(r.figures.total.changes_per_instance_day, 2 / (200 * 300.0 / 86400), 1e-9);
}

// Memory demand above the allocation ("OOM"): VPA records the OOM as a sample of
// max(1.2 x used, used + 100 MiB) and the allocation moves to the new target.
TEST(Reactive, MemoryOomBumpsTheAllocation) {
  test::Series s;
  s.memory = {0.8 * kGiB, 0.8 * kGiB, 0.8 * kGiB, 1.5 * kGiB, 1.5 * kGiB, 1.5 * kGiB};
  s.memory_capacity = 1 * kGiB;
  const HostModel host = host_of({test::make_instance("vm", s)}, 3.0);
  auto p = vpa::make_reactive_policy();
  const PolicyRun r = run(host, *p);
  // Step 3: u = 1 GiB, p = 0.5, so the usage sample is u + p a = 1.5 GiB; the OOM sample is
  // max(max(a, peak) + 100 MiB, 1.2 x max(a, peak)) = 1.8 GiB, the day's only peak, in bucket
  // floor(log(1.8 x 2^30 x 0.05 / 1e7 + 1) / log 1.05) = 48. Deciding step 4 the confidence
  // is 900 s = 0.0104 days: lower = 1.15 x end(48) x (1 + 0.001 / 0.0104)^-2 = 1.90e9 > 1 GiB,
  // so the allocation moves to the target 1.15 x end(48) (above the OOM floor 1.8 GiB).
  // Before, the lower bound (at most 1.15 x end(34) x 0.764 for 0.8 GiB) stays below 1 GiB.
  const double target = 1.15 * bucket_end(1e7, 49);
  expect_series(r.allocation[0][kMemory], {kGiB, kGiB, kGiB, kGiB, target, target});
  const Figures& f = r.figures.resources[kMemory];
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 5.0);  // step 3 only
  EXPECT_NEAR(f.unmet_demand, 0.5 * kGiB * 5, 1e-3);
  // Step 3 rises (1.5 > 0.8 + 0.2 x 1 GiB) and neither a(0) nor a(3) = 1 GiB covers it.
  EXPECT_EQ(f.rises, 1u);
  EXPECT_EQ(f.hits, 0u);
  EXPECT_NEAR(f.changes_per_instance_day, 1 / (6 * 300.0 / 86400), 1e-9);
}

// The augur policy through the engine, where the planner's documented rules change
// nothing: need 0.5 x (1 + 0.15 margin) = 0.575 is below a = 0.6 (no scale-up) and above
// a x (1 - 0.05 hysteresis) = 0.57 (no scale-down); 20 steps are too few for a fingerprint
// window, so no drift and no prediction.
TEST(Augur, HoldsAnAllocationThePlannerHasNoReasonToChange) {
  test::Series s;
  s.cpu = test::repeat(0.5, 20);
  s.cpu_capacity = 0.6;
  const HostModel host = host_of({test::make_instance("vm", s)}, 1.5);
  auto p = make_policy("augur", host, config::Config{});
  ASSERT_TRUE(p.has_value());
  const PolicyRun r = run(host, **p);
  expect_series(r.allocation[0][kCpu], test::repeat(0.6, 20));
  const Figures& f = r.figures.resources[kCpu];
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 0.0);
  EXPECT_NEAR(f.mean_relative_slack, 0.1 / 0.6, 1e-12);
  EXPECT_DOUBLE_EQ(f.changes_per_instance_day, 0.0);
  EXPECT_EQ(f.rises, 0u);
  ASSERT_TRUE(r.predictions.has_value());
  EXPECT_EQ(r.predictions->predictions_made, 0u);
  EXPECT_TRUE(std::isnan(r.figures.total.prediction_error));  // nothing was predicted
}

// Demand 4x the provisioned core saturates the throttled share at 1 (p = min(1, (d - a)/a)):
// the planner's unmet demand p x a grows with every growth, yet each growth was used, so
// the allocation climbs step by step (at most 25 % a step, config defaults) to the demand
// and is never taken back on the way.
TEST(Augur, GrowsASaturatedCpuDemandStepByStepToItsLevel) {
  test::Series s;
  s.cpu = test::repeat(4.0, 40);
  s.cpu_capacity = 1.0;
  const HostModel host = host_of({test::make_instance("vm", s)}, 6.0);  // capacity 6
  auto p = make_policy("augur", host, config::Config{});
  ASSERT_TRUE(p.has_value());
  const PolicyRun r = run(host, **p);
  const std::vector<double>& a = r.allocation[0][kCpu];
  ASSERT_EQ(a.size(), 40u);
  for (std::size_t k = 1; k < a.size(); ++k) {
    if (a[k - 1] >= 4.0) continue;
    EXPECT_GE(a[k], a[k - 1]) << "step " << k;  // never undone below the demand
    EXPECT_LE(a[k], a[k - 1] * 1.25 + 1e-9) << "step " << k;
  }
  EXPECT_GE(a.back(), 4.0);
  EXPECT_LT(r.figures.resources[kCpu].under_provisioned_minutes, 15 * 5.0);
}

// Instances that start late and end early are declared as they come and go (the engine
// gets the living list on each change) and each is planned while it lives.
TEST(Augur, PlansInstancesThatComeAndGo) {
  test::Series early, late, whole;
  early.cpu = test::repeat(2.0, 12);
  late.cpu = test::repeat(2.0, 20);
  whole.cpu = test::repeat(2.0, 40);
  early.cpu_capacity = late.cpu_capacity = whole.cpu_capacity = 1.0;
  const HostModel host = host_of(
      {test::make_instance("early", early), test::make_instance("late", late, 300, 10 * 300),
       test::make_instance("whole", whole)},
      3.0);
  auto p = make_policy("augur", host, config::Config{});
  ASSERT_TRUE(p.has_value());
  const PolicyRun r = run(host, **p);
  ASSERT_EQ(r.allocation.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::vector<double>& a = r.allocation[i][kCpu];
    ASSERT_FALSE(a.empty());
    EXPECT_GE(*std::max_element(a.begin(), a.end()), 2.0) << "instance " << i;
  }
}

// The spy sees exactly what EVALUATION.md says a policy sees.
class Spy final : public Policy {
 public:
  explicit Spy(std::vector<double> decisions) : decisions_(std::move(decisions)) {}
  [[nodiscard]] std::string_view name() const override { return "spy"; }
  Status start(const HostModel&) override { return {}; }
  void decide(const StepContext& step, std::span<ResourceVector> allocation) override {
    seen.push_back(step.observed[0]);
    starting.push_back(step.starting[0]);
    allocation[0][Resource::kCpu] = decisions_[step.tick];
  }
  std::vector<Observation> seen;
  std::vector<std::uint8_t> starting;

 private:
  std::vector<double> decisions_;
};

TEST(Runner, PoliciesSeeCappedUsageAndSaturatingPressureOfThePreviousStep) {
  test::Series s;
  s.cpu = {0.5, 2.0, 3.0};
  s.cpu_capacity = 1.0;
  const HostModel host = host_of({test::make_instance("vm", s)}, 1.5);  // capacity 1.5
  Spy spy({0.01, 1.2, 100.0});
  const PolicyRun r = run(host, spy);
  // 0.01 is raised to the floor 0.05, 100 cut to the host capacity 1.5.
  expect_series(r.allocation[0][kCpu], {0.05, 1.2, 1.5});
  ASSERT_EQ(spy.seen.size(), 3u);
  EXPECT_EQ(spy.starting, (std::vector<std::uint8_t>{1, 0, 0}));
  EXPECT_FALSE(spy.seen[0].present);
  // Step 0 seen at t = 1: d 0.5, a 0.05: u = 0.05, p = min(1, 0.45 / 0.05) = 1.
  EXPECT_TRUE(spy.seen[1].present);
  EXPECT_DOUBLE_EQ(spy.seen[1].usage[Resource::kCpu], 0.05);
  EXPECT_DOUBLE_EQ(spy.seen[1].pressure[Resource::kCpu], 1.0);
  EXPECT_DOUBLE_EQ(spy.seen[1].allocation[Resource::kCpu], 0.05);
  EXPECT_DOUBLE_EQ(spy.seen[1].demand_estimate(Resource::kCpu), 0.1);
  // Step 1 seen at t = 2: d 2.0, a 1.2: u = 1.2, p = 0.8 / 1.2.
  EXPECT_DOUBLE_EQ(spy.seen[2].usage[Resource::kCpu], 1.2);
  EXPECT_NEAR(spy.seen[2].pressure[Resource::kCpu], 0.8 / 1.2, 1e-15);
  EXPECT_NEAR(spy.seen[2].demand_estimate(Resource::kCpu), 2.0, 1e-12);
  EXPECT_TRUE(std::isnan(spy.seen[2].usage[Resource::kMemory]));  // not in the trace
}

TEST(Runner, UnknownPolicyNameIsAnError) {
  test::Series s;
  s.cpu = {1, 1};
  const HostModel host = host_of({test::make_instance("vm", s)}, 1.5);
  auto p = make_policy("hpa", host, config::Config{});
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().message().find("hpa"), std::string::npos);
}

}  // namespace
}  // namespace augur::replay
