// The synthetic phase-change generator: its documented model, seeded determinism.
#include "augur/replay/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace augur::replay {
namespace {

TEST(Synthetic, PhaseMultiplierRampsHoldsAndReturns) {
  SyntheticOptions o;
  o.period_steps = 100;
  o.ramp_steps = 3;
  o.phase_steps = 5;
  o.factor = 2.5;
  const std::size_t off = 10;
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 9), 1.0);               // before the first phase
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 10), 1 + 1.5 * 1 / 4);  // ramp k = 0
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 11), 1 + 1.5 * 2 / 4);
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 12), 1 + 1.5 * 3 / 4);
  for (std::size_t t = 13; t < 18; ++t) EXPECT_DOUBLE_EQ(phase_multiplier(o, off, t), 2.5);
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 18), 1.0);
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 110), 1 + 1.5 * 1 / 4);  // next period
  o.ramp_steps = 0;
  EXPECT_DOUBLE_EQ(phase_multiplier(o, off, 10), 2.5);  // a step change
}

TEST(Synthetic, WithoutNoiseDemandIsBaselineTimesScaleTimesPhase) {
  SyntheticOptions o;
  o.noise = 0;
  o.instances = 2;
  o.steps = 600;
  const trace::Trace t = make_synthetic_trace(o);
  ASSERT_EQ(t.instances.size(), 2u);
  for (const auto& in : t.instances) {
    ASSERT_EQ(in.rows(), 600u);
    EXPECT_EQ(in.step, std::chrono::seconds(300));
    EXPECT_EQ(in.timestamps_s[599], 599 * 300);
    // Per instance one scale for all resources: demand / baseline is the same for each.
    const double cpu = in.value(0, Metric::kCpuUsageCores) / o.baseline[Resource::kCpu];
    const double mem = in.value(0, Metric::kMemoryBytes) / o.baseline[Resource::kMemory];
    EXPECT_NEAR(cpu, mem, 1e-12);
    EXPECT_GE(cpu, 0.5);
    EXPECT_LT(cpu, 1.5);
    // Over a period the multiplier takes ramp, plateau and 1; the plateau is factor x base.
    double lo = 1e300, hi = 0;
    for (std::size_t k = 0; k < in.rows(); ++k) {
      const double v = in.value(k, Metric::kCpuUsageCores) / (o.baseline[Resource::kCpu] * cpu);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    EXPECT_NEAR(lo, 1.0, 1e-12);
    EXPECT_NEAR(hi, o.factor, 1e-12);
  }
}

TEST(Synthetic, TheSeedDecidesEverything) {
  SyntheticOptions o;
  o.steps = 300;
  const trace::Trace a = make_synthetic_trace(o);
  const trace::Trace b = make_synthetic_trace(o);
  o.seed = 2;
  const trace::Trace c = make_synthetic_trace(o);
  const auto col = static_cast<std::size_t>(Metric::kCpuUsageCores);
  EXPECT_EQ(a.instances[1].demand[col], b.instances[1].demand[col]);
  EXPECT_NE(a.instances[1].demand[col], c.instances[1].demand[col]);
  EXPECT_EQ(a.path, "synthetic:1");
}

TEST(Synthetic, NoiseHasTheRequestedSpread) {
  SyntheticOptions o;
  o.instances = 1;
  o.steps = 20000;
  o.period_steps = 0;  // no phases
  o.noise = 0.1;
  const trace::Trace t = make_synthetic_trace(o);
  const auto& d = t.instances[0].demand[static_cast<std::size_t>(Metric::kCpuUsageCores)];
  double sum = 0, sq = 0;
  for (double v : d) sum += v;
  const double mean = sum / static_cast<double>(d.size());
  for (double v : d) sq += (v - mean) * (v - mean);
  const double sd = std::sqrt(sq / static_cast<double>(d.size()));
  EXPECT_NEAR(sd / mean, 0.1, 0.005);  // 20000 draws: the standard error is ~0.0005
}

}  // namespace
}  // namespace augur::replay
