// End-to-end detection at the default configuration (config.h defaults: window 60 ticks,
// quantile 0.99, CUSUM slack 0.5 and limit 5, trusted after 120 windows = 7200 ticks),
// through the real FingerprintBuilder, baselines and detector.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "augur/drift/analyzer.h"
#include "augur/fingerprint/feature_table.h"
#include "synthetic.h"

namespace augur::drift {
namespace {

using testing::Change;
using testing::Injection;
using testing::Noise;
using testing::SyntheticInstance;

AnalyzerOptions defaults() {
  return AnalyzerOptions{};
}

long trust_ticks(const AnalyzerOptions& o) {
  return static_cast<long>(o.drift.min_baseline_windows) * o.fingerprint.window_ticks +
         o.fingerprint.window_ticks;
}

struct Counts {
  int episodes = 0;
  int exceedances = 0;
  int scored = 0;
};

// Learns until trusted, then counts episodes over `ticks` further stationary ticks.
Counts run_stationary(Noise noise, long ticks, std::uint64_t seed) {
  const AnalyzerOptions o = defaults();
  Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  SyntheticInstance vm("vm-1", testing::web_profile(), noise, seed);
  const long warmup = trust_ticks(o);
  Counts c;
  for (long t = 0; t < warmup + ticks; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    if (t < warmup) continue;
    if (!a.scored) continue;
    ++c.scored;
    if (a.score > a.threshold) ++c.exceedances;
    for (const EpisodeEvent& e : a.events) c.episodes += e.kind == EpisodeEventKind::kStarted;
  }
  return c;
}

class StationaryNoise : public ::testing::TestWithParam<Noise> {};

// The bound: an episode needs at least one tick above the threshold, and the threshold is
// the baseline's 0.99 quantile of in-control scores, so stationary data cannot open more
// than (1 - 0.99) x 10 000 = 100 episodes per 10 000 ticks. The CUSUM needs far more than
// one exceedance (a sustained r > 1.5), so the measured count is expected near 0.
// The exceedance rate checks the calibration loosely (<= 10 x (1 - q)): the histogram is
// filled from overlapping windows (3600 scores, ~60 independent windows' worth), which
// cannot pin the 0.99 quantile of a heavy-tailed score tightly.
TEST_P(StationaryNoise, OpensNoMoreFalseEpisodesThanTheQuantileAllows) {
  constexpr long kTicks = 10'000;
  const Counts c = run_stationary(GetParam(), kTicks, 1234);
  const double q = defaults().drift.threshold_quantile;
  std::printf(
      "[ stationary %-10s ] false episodes per 10000 ticks: %d, exceedances: %d of %d"
      " scored ticks (quantile %.2f implies %.0f)\n",
      testing::noise_name(GetParam()), c.episodes, c.exceedances, c.scored, q, (1 - q) * kTicks);
  EXPECT_EQ(c.scored, kTicks);
  EXPECT_LE(c.episodes, (1 - q) * kTicks);
  EXPECT_LE(c.exceedances, 10 * (1 - q) * kTicks);
}

INSTANTIATE_TEST_SUITE_P(Shapes, StationaryNoise,
                         ::testing::Values(Noise::kGaussian, Noise::kStudentT3, Noise::kAr1),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case Noise::kGaussian: return std::string("Gaussian");
                             case Noise::kStudentT3: return std::string("StudentT3");
                             case Noise::kAr1: return std::string("Ar1Phi08");
                           }
                           return std::string("unknown");
                         });

struct ShiftCase {
  const char* name;
  Injection injection;
  const char* series;  // the feature prefix the top features must carry
  long max_delay;
  std::vector<Noise> shapes;
};

struct Detection {
  long delay = -1;  // ticks from injection to the episode's start event
  std::vector<FeatureContribution> top;
  bool absorbed = false;
};

Detection run_shift(Noise noise, Injection j) {
  const AnalyzerOptions o = defaults();
  Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  SyntheticInstance vm("vm-1", testing::web_profile(), noise, 99);
  const long start = trust_ticks(o) + 1000;
  j.start = start;
  vm.inject(j);
  Detection d;
  for (long t = 0; t < start + 600; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    for (const EpisodeEvent& e : a.events) {
      if (e.kind == EpisodeEventKind::kStarted && t >= start && d.delay < 0) {
        d.delay = t - start;
        d.top = e.episode.top_features;
      }
    }
    if (d.delay >= 0 && a.learned) d.absorbed = true;
  }
  return d;
}

class InjectedShift : public ::testing::TestWithParam<ShiftCase> {};

// Bounds: one window (60 ticks) for a step in level or variance: the window's features
// pass the calibrated threshold before the window has filled with the new regime, and the
// CUSUM then needs a few ticks of r > 1.5. Two windows for a ramp, which starts at zero.
// Three windows for a variance change: it shows only in std, p95 and burstiness, which
// need many ticks of the new regime, the more so under AR(1) noise (phi 0.8 leaves about
// 60 (1 - phi) / (1 + phi) ~ 7 independent ticks per window).
// Heavy-tailed noise raises the calibrated threshold (its scores are heavy-tailed too), so
// a x3 variance change of heavy-tailed noise is not asserted there (see the report).
TEST_P(InjectedShift, IsDetectedWithinAWindowAndPointsAtTheShiftedSeries) {
  const ShiftCase& c = GetParam();
  for (Noise noise : c.shapes) {
    const Detection d = run_shift(noise, c.injection);
    std::printf("[ shift %-8s %-10s ] delay %ld ticks, top:", c.name, testing::noise_name(noise),
                d.delay);
    for (const auto& f : d.top) {
      std::printf(" %s(%.1f)", std::string(fingerprint::feature_table()[f.feature].name).c_str(),
                  f.contribution);
    }
    std::printf("\n");
    ASSERT_GE(d.delay, 0) << c.name << " not detected under " << testing::noise_name(noise);
    EXPECT_LE(d.delay, c.max_delay) << c.name;
    EXPECT_FALSE(d.absorbed) << c.name;
    ASSERT_GE(d.top.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(fingerprint::feature_table()[d.top[i].feature].name.rfind(c.series, 0), 0u)
          << c.name << ": top feature " << i << " is "
          << fingerprint::feature_table()[d.top[i].feature].name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Changes, InjectedShift,
                         ::testing::Values(
                             // +50% CPU: 5 noise standard deviations of the per-tick series.
                             ShiftCase{"level",
                                       {Metric::kCpuUsageCores, Change::kLevel, 0, 0.5},
                                       "cpu_usage_cores.",
                                       60,
                                       {Noise::kGaussian, Noise::kStudentT3, Noise::kAr1}},
                             // Memory growing 0.1% of its level per tick (6% a minute): a leak.
                             ShiftCase{"trend",
                                       {Metric::kMemoryBytes, Change::kTrend, 0, 0.001},
                                       "memory_bytes.",
                                       120,
                                       {Noise::kGaussian, Noise::kStudentT3, Noise::kAr1}},
                             // Page-fault noise x3.
                             ShiftCase{"variance",
                                       {Metric::kPageFaults, Change::kVariance, 0, 3.0},
                                       "page_faults.",
                                       180,
                                       {Noise::kGaussian, Noise::kAr1}}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace augur::drift
