#include "augur/sampling/perf/derive.h"

#include <gtest/gtest.h>

#include <chrono>

namespace augur::sampling {
namespace {

using namespace std::chrono_literals;

PerfUnitRaw unit(int key, double task_clock_ns, double ctx, std::uint32_t epoch = 0) {
  PerfUnitRaw u;
  u.key = key;
  u.epoch = epoch;
  u.counts.set(Metric::kTaskClockCores, task_clock_ns);
  u.counts.set(Metric::kContextSwitches, ctx);
  return u;
}

PerfRaw raw_of(std::vector<PerfUnitRaw> units) {
  PerfRaw r;
  r.instance_id = "vm";
  r.configured.set(static_cast<std::size_t>(Metric::kTaskClockCores));
  r.configured.set(static_cast<std::size_t>(Metric::kContextSwitches));
  r.units = std::move(units);
  return r;
}

const std::string* reason(const Sample& s, Metric m) {
  for (const auto& [metric, why] : s.missing_reasons) {
    if (metric == m) return &why;
  }
  return nullptr;
}

TEST(DerivePerfRates, TaskClockIsCoresBusyAndCountsArePerSecond) {
  const auto prev = raw_of({unit(10, 1e9, 100), unit(11, 0, 0)});
  const auto cur = raw_of({unit(10, 1.5e9, 300), unit(11, 0.25e9, 50)});
  Sample s;
  derive_perf_rates(prev, cur, 500ms, s);
  ASSERT_TRUE(s.has(Metric::kTaskClockCores));
  EXPECT_DOUBLE_EQ(s.get(Metric::kTaskClockCores), 1.5);     // 0.75 s busy in 0.5 s
  EXPECT_DOUBLE_EQ(s.get(Metric::kContextSwitches), 500.0);  // 250 in 0.5 s
  ASSERT_EQ(s.vcpu_utilisation.size(), 2u);
  EXPECT_DOUBLE_EQ(s.vcpu_utilisation[0], 1.0);
  EXPECT_DOUBLE_EQ(s.vcpu_utilisation[1], 0.5);
}

TEST(DerivePerfRates, OnlyThreadsInBothReadingsContribute) {
  // 10 vanished, 12 appeared with a large count: neither may count.
  const auto prev = raw_of({unit(10, 5e9, 1000), unit(11, 1e9, 10)});
  const auto cur = raw_of({unit(11, 1.1e9, 20), unit(12, 9e9, 9000)});
  Sample s;
  derive_perf_rates(prev, cur, 1s, s);
  EXPECT_NEAR(s.get(Metric::kTaskClockCores), 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(s.get(Metric::kContextSwitches), 10.0);
  EXPECT_EQ(s.vcpu_utilisation.size(), 1u);
}

TEST(DerivePerfRates, SkipsUnitsReopenedBetweenReadings) {
  const auto prev = raw_of({unit(10, 5e9, 1000, /*epoch=*/0)});
  const auto cur = raw_of({unit(10, 1e6, 1, /*epoch=*/1)});
  Sample s;
  derive_perf_rates(prev, cur, 1s, s);
  EXPECT_FALSE(s.has(Metric::kTaskClockCores));
  ASSERT_NE(reason(s, Metric::kTaskClockCores), nullptr);
}

TEST(DerivePerfRates, MarksUnavailableMetricsMissingWithTheirReason) {
  auto prev = raw_of({unit(10, 0, 0)});
  auto cur = raw_of({unit(10, 1e8, 4)});
  cur.configured.set(static_cast<std::size_t>(Metric::kCycles));
  cur.missing.emplace_back(Metric::kCycles, "hardware events unavailable: test");
  Sample s;
  derive_perf_rates(prev, cur, 1s, s);
  EXPECT_FALSE(s.has(Metric::kCycles));
  EXPECT_DOUBLE_EQ(s.get(Metric::kCycles), 0.0);
  ASSERT_NE(reason(s, Metric::kCycles), nullptr);
  EXPECT_EQ(*reason(s, Metric::kCycles), "hardware events unavailable: test");
  EXPECT_TRUE(s.has(Metric::kContextSwitches));
}

TEST(DerivePerfRates, FirstReadingHasNoRates) {
  Sample s;
  derive_perf_rates(PerfRaw{}, raw_of({unit(10, 1e8, 4)}), 1s, s);
  EXPECT_FALSE(s.has(Metric::kTaskClockCores));
  EXPECT_NE(reason(s, Metric::kTaskClockCores), nullptr);
}

TEST(DerivePerfRates, NeverReportsNegativeRatesWhenAScaledCountStepsBack) {
  const auto prev = raw_of({unit(10, 2e9, 100)});
  const auto cur = raw_of({unit(10, 1.9e9, 100)});
  Sample s;
  derive_perf_rates(prev, cur, 1s, s);
  EXPECT_DOUBLE_EQ(s.get(Metric::kTaskClockCores), 0.0);
}

TEST(DerivePerfRates, KeepsTheMultiplexRatio) {
  auto cur = raw_of({unit(10, 1e8, 4)});
  cur.multiplex_ratio = 0.4;
  Sample s;
  derive_perf_rates(raw_of({unit(10, 0, 0)}), cur, 1s, s);
  EXPECT_DOUBLE_EQ(s.multiplex_ratio, 0.4);
}

TEST(DerivePerfRates, PerCgroupModeHasNoPerThreadUtilisation) {
  auto prev = raw_of({unit(0, 0, 0), unit(1, 0, 0)});
  auto cur = raw_of({unit(0, 5e8, 1), unit(1, 5e8, 1)});
  prev.mode = cur.mode = CountingMode::kPerCgroup;
  Sample s;
  derive_perf_rates(prev, cur, 1s, s);
  EXPECT_DOUBLE_EQ(s.get(Metric::kTaskClockCores), 1.0);
  EXPECT_TRUE(s.vcpu_utilisation.empty());
}

}  // namespace
}  // namespace augur::sampling
