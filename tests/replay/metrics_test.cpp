// The figures of EVALUATION.md on hand-written demand and allocation series: every number
// below is worked out by hand in the comments.
#include "augur/replay/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "replay_test_util.h"

namespace augur::replay {
namespace {

constexpr std::size_t kCpu = 0, kMemory = 1;

HostInstance instance(const std::string& id, std::size_t span) {
  HostInstance h;
  h.id = id;
  h.first_tick = 0;
  h.last_tick = span - 1;
  h.present.assign(span, 1);
  for (auto& d : h.demand) d.assign(span, kUnknown);
  return h;
}

void set(HostInstance& h, std::size_t r, double a0, std::vector<double> demand) {
  h.simulated.set(r);
  h.initial.values[r] = a0;
  h.demand[r] = std::move(demand);
}

HostModel model(std::vector<HostInstance> instances, std::size_t horizon) {
  HostModel m;
  m.step = std::chrono::seconds(300);
  m.horizon_steps = horizon;
  m.ticks = instances.empty() ? 0 : instances[0].span();
  m.instances = std::move(instances);
  return m;
}

AllocationSeries allocations(const HostModel& m) {
  AllocationSeries a(m.instances.size());
  for (std::size_t i = 0; i < m.instances.size(); ++i) {
    for (auto& col : a[i]) col.assign(m.instances[i].span(), kUnknown);
  }
  return a;
}

// Instance A: cpu and memory; instance B: cpu only, four times larger. H = 2 steps of 5 min.
struct TwoInstances : ::testing::Test {
  void SetUp() override {
    HostInstance a = instance("A", 6);
    set(a, kCpu, 1.0, {0.5, 0.5, 1.25, 1.2, 1.2, 0.4});
    set(a, kMemory, 100, {50, 50, 50, 200, 50, 50});
    HostInstance b = instance("B", 6);
    set(b, kCpu, 4.0, {1, 1, 1, 1, 1, 1});
    host = model({a, b}, 2);
    alloc = allocations(host);
    alloc[0][kCpu] = {1, 1, 1.3, 1.3, 1.0, 1.0};
    alloc[0][kMemory] = {100, 100, 100, 100, 100, 100};
    alloc[1][kCpu] = {4, 4, 4, 4, 2, 2};
  }
  HostModel host;
  AllocationSeries alloc;
};

TEST_F(TwoInstances, PerResourceFigures) {
  const PolicyFigures f = compute_figures(host, alloc, std::nullopt);
  const Figures& cpu = f.resources[kCpu];
  // A is short only at t4 (1.2 > 1.0): one 5-minute step, 0.2 cores x 5 min unmet.
  EXPECT_DOUBLE_EQ(cpu.under_provisioned_minutes, 5.0);
  EXPECT_NEAR(cpu.unmet_demand, 1.0, 1e-12);
  // A: a - min(d, a) = .5 + .5 + .05 + .1 + 0 + .6 = 1.75 over 6.6; B: 3+3+3+3+1+1 = 14 over 20.
  EXPECT_NEAR(cpu.mean_relative_slack, (1.75 + 14) / (6.6 + 20), 1e-12);
  EXPECT_NEAR(cpu.mean_instance_slack, (1.75 / 6.6 + 14.0 / 20) / 2, 1e-12);
  // A changes at t2 and t4, B at t4: 3 changes over 2 x 6 x 300 s = 1/24 instance-day.
  EXPECT_NEAR(cpu.changes_per_instance_day, 72.0, 1e-9);
  // A's t2: 1.25 > max(0.5, 0.5) + 0.2 x 1 is a rise; a(t - 2) = 1 < 1.25 (not covered);
  // a(2) = 1.3 >= 1.25 and 1.3 - 1 >= 0.05: a hit. t3: 1.2 > 1.25 + 0.2 is false.
  EXPECT_EQ(cpu.rises, 1u);
  EXPECT_EQ(cpu.covered, 0u);
  EXPECT_EQ(cpu.hits, 1u);
  EXPECT_DOUBLE_EQ(cpu.lead_time_hit_rate, 1.0);
  EXPECT_DOUBLE_EQ(cpu.hits_per_rise, 1.0);
  EXPECT_TRUE(std::isnan(cpu.prediction_error));

  const Figures& mem = f.resources[kMemory];
  EXPECT_DOUBLE_EQ(mem.under_provisioned_minutes, 5.0);  // t3: 200 > 100
  EXPECT_DOUBLE_EQ(mem.unmet_demand, 100 * 5.0);
  EXPECT_NEAR(mem.mean_relative_slack, 250.0 / 600, 1e-12);
  EXPECT_NEAR(mem.mean_instance_slack, 250.0 / 600, 1e-12);
  EXPECT_DOUBLE_EQ(mem.changes_per_instance_day, 0.0);
  // t3: 200 > 50 + 20, a(1) = 100 < 200, a(3) = 100 < 200: a rise, missed.
  EXPECT_EQ(mem.rises, 1u);
  EXPECT_EQ(mem.hits, 0u);
  EXPECT_DOUBLE_EQ(mem.lead_time_hit_rate, 0.0);

  // Disk and network are not simulated: no values.
  for (std::size_t r : {2u, 3u}) {
    EXPECT_DOUBLE_EQ(f.resources[r].under_provisioned_minutes, 0.0);
    EXPECT_TRUE(std::isnan(f.resources[r].mean_relative_slack));
    EXPECT_TRUE(std::isnan(f.resources[r].changes_per_instance_day));
    EXPECT_TRUE(std::isnan(f.resources[r].lead_time_hit_rate));
  }
}

TEST_F(TwoInstances, TotalFigures) {
  const PolicyFigures f = compute_figures(host, alloc, std::nullopt);
  const Figures& t = f.total;
  // A is short at t3 (memory) and t4 (cpu): two instance-steps.
  EXPECT_DOUBLE_EQ(t.under_provisioned_minutes, 10.0);
  // cpu 1.0 / a0 1 + memory 500 / a0 100.
  EXPECT_NEAR(t.unmet_demand, 6.0, 1e-12);
  EXPECT_NEAR(t.mean_relative_slack, ((1.75 + 14) / 26.6 + 250.0 / 600) / 2, 1e-12);
  EXPECT_NEAR(t.mean_instance_slack, ((1.75 / 6.6 + 0.7) / 2 + 250.0 / 600) / 2, 1e-12);
  EXPECT_NEAR(t.changes_per_instance_day, 72.0, 1e-9);
  EXPECT_EQ(t.rises, 2u);
  EXPECT_EQ(t.covered, 0u);
  EXPECT_EQ(t.hits, 1u);
  EXPECT_DOUBLE_EQ(t.lead_time_hit_rate, 0.5);
  EXPECT_TRUE(std::isnan(t.prediction_error));
}

TEST_F(TwoInstances, PredictionErrorIsTheMeanOfTheTerms) {
  PredictionErrorSums e;
  e.sum.values[kCpu] = 0.6;
  e.count[kCpu] = 3;
  e.sum.values[kMemory] = 0.4;
  e.count[kMemory] = 1;
  const PolicyFigures f = compute_figures(host, alloc, e);
  EXPECT_NEAR(f.resources[kCpu].prediction_error, 0.2, 1e-12);
  EXPECT_NEAR(f.resources[kMemory].prediction_error, 0.4, 1e-12);
  EXPECT_TRUE(std::isnan(f.resources[2].prediction_error));  // no terms
  EXPECT_NEAR(f.total.prediction_error, 1.0 / 4, 1e-12);
  EXPECT_EQ(f.total.prediction_terms, 4u);
}

TEST(Figures, ARaiseSmallerThanFivePercentOfA0IsNoHit) {
  HostInstance a = instance("A", 3);
  set(a, kCpu, 1.0, {0.5, 0.5, 1.02});
  HostModel m = model({a}, 2);
  AllocationSeries al = allocations(m);
  al[0][kCpu] = {1.0, 1.0, 1.04};  // covers d(2) but was raised by 0.04 < 0.05
  const Figures f = compute_figures(m, al, std::nullopt).resources[kCpu];
  EXPECT_EQ(f.rises, 1u);
  EXPECT_EQ(f.covered, 0u);
  EXPECT_EQ(f.hits, 0u);
}

TEST(Figures, ARiseIsMeasuredAgainstThePreviousTwelveStepsOnly) {
  // t13: 1.0 > max(d[1..12]) = 0.5 + 0.2 even though d[0] = 2.0 was higher.
  std::vector<double> d(14, 0.5);
  d[0] = 2.0;
  d[13] = 1.0;
  HostInstance a = instance("A", 14);
  set(a, kCpu, 1.0, d);
  HostModel m = model({a}, 6);
  AllocationSeries al = allocations(m);
  al[0][kCpu].assign(14, 3.0);
  const Figures f = compute_figures(m, al, std::nullopt).resources[kCpu];
  EXPECT_EQ(f.rises, 1u);
  EXPECT_EQ(f.covered, 1u);                       // a(7) = 3 >= 1
  EXPECT_TRUE(std::isnan(f.lead_time_hit_rate));  // 0 / 0
  EXPECT_DOUBLE_EQ(f.hits_per_rise, 0.0);
  // a = 3 everywhere: never short.
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 0.0);
}

TEST(Figures, StepsWithoutDemandCountForChangesButNotForUsage) {
  HostInstance a = instance("A", 4);
  set(a, kCpu, 1.0, {0.5, kUnknown, kUnknown, 2.0});
  HostModel m = model({a}, 6);
  AllocationSeries al = allocations(m);
  al[0][kCpu] = {1.0, 1.0, 1.5, 1.5};
  const Figures f = compute_figures(m, al, std::nullopt).resources[kCpu];
  EXPECT_DOUBLE_EQ(f.under_provisioned_minutes, 5.0);                    // t3 only
  EXPECT_NEAR(f.mean_relative_slack, (0.5 + 0.0) / (1.0 + 1.5), 1e-12);  // t0 and t3
  EXPECT_NEAR(f.changes_per_instance_day, 1.0 / (4 * 300.0 / 86400), 1e-9);
}

}  // namespace
}  // namespace augur::replay
