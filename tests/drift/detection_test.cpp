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
  int slow_episodes = 0;  // of which the slow channel led when the rule fired
  int exceedances = 0;
  int slow_exceedances = 0;
  int scored = 0;
};

// Whether the slow channel's ratio is the larger one (it then led the rule).
bool slow_leads(const Analysis& a) {
  return a.slow_threshold > 0 && a.slow_score / a.slow_threshold > a.score / a.threshold;
}

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
    if (a.slow_threshold > 0 && a.slow_score > a.slow_threshold) ++c.slow_exceedances;
    for (const EpisodeEvent& e : a.events) {
      if (e.kind != EpisodeEventKind::kStarted) continue;
      ++c.episodes;
      c.slow_episodes += slow_leads(a);
    }
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
// Two channels feed the rule; the bound is kept for their sum. The slow channel's exceedances
// are printed, not bounded: its threshold is the 0.99 quantile of a sample that holds only
// ~6 of its time constants, so in steady state it is exceeded far more often than 1 % of
// ticks (0-31 % over 30 seeds), but rarely by the rule's slack for long (measured: 1 slow
// episode in 30 x 10 000 stationary ticks).
TEST_P(StationaryNoise, OpensNoMoreFalseEpisodesThanTheQuantileAllows) {
  constexpr long kTicks = 10'000;
  const Counts c = run_stationary(GetParam(), kTicks, 1234);
  const double q = defaults().drift.threshold_quantile;
  std::printf(
      "[ stationary %-10s ] false episodes per 10000 ticks: %d (slow channel led %d),"
      " exceedances: %d of %d scored ticks (quantile %.2f implies %.0f), slow: %d\n",
      testing::noise_name(GetParam()), c.episodes, c.slow_episodes, c.exceedances, c.scored, q,
      (1 - q) * kTicks, c.slow_exceedances);
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
  bool slow = false;  // the slow channel led when the rule fired
};

Detection run_shift(Noise noise, Injection j, const AnalyzerOptions& o = defaults(),
                    long horizon = 600) {
  Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  SyntheticInstance vm("vm-1", testing::web_profile(), noise, 99);
  const long start = trust_ticks(o) + 1000;
  j.start = start;
  vm.inject(j);
  Detection d;
  for (long t = 0; t < start + horizon; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    for (const EpisodeEvent& e : a.events) {
      if (e.kind == EpisodeEventKind::kStarted && t >= start && d.delay < 0) {
        d.delay = t - start;
        d.top = e.episode.top_features;
        d.slow = slow_leads(a);
      }
    }
    if (d.delay >= 0 && a.learned) d.absorbed = true;
  }
  return d;
}

void print_detection(const char* name, Noise noise, const Detection& d) {
  std::printf("[ shift %-8s %-10s ] delay %ld ticks (%s channel), top:", name,
              testing::noise_name(noise), d.delay, d.slow ? "slow" : "fast");
  for (const auto& f : d.top) {
    std::printf(" %s(%.1f)", std::string(fingerprint::feature_table()[f.feature].name).c_str(),
                f.contribution);
  }
  std::printf("\n");
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
    print_detection(c.name, noise, d);
    ASSERT_GE(d.delay, 0) << c.name << " not detected under " << testing::noise_name(noise);
    EXPECT_LE(d.delay, c.max_delay) << c.name;
    EXPECT_FALSE(d.absorbed) << c.name;
    // Top features are one per series (distance.h): the first is the shifted one's.
    ASSERT_GE(d.top.size(), 1u);
    EXPECT_EQ(fingerprint::feature_table()[d.top[0].feature].name.rfind(c.series, 0), 0u)
        << c.name << ": top feature is " << fingerprint::feature_table()[d.top[0].feature].name;
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

// The slow channel (analyzer.h): a sustained CPU level +10 % (one noise standard deviation
// per tick, ~4 of the window mean's under Gaussian noise, but one feature of 52, so the RMS
// score hardly moves) never opens an episode through the fast channel alone (checked with
// the slow channel off, over 3000 ticks), and is found by the slow channel within two of its
// time constants (1200 ticks at window 60), pointing at the CPU.
TEST(SustainedShiftBelowTheFastThreshold, IsFoundByTheSlowChannelWithinTwoTimeConstants) {
  const Injection j{Metric::kCpuUsageCores, Change::kLevel, 0, 0.1};
  const AnalyzerOptions o = defaults();
  const long bound =
      2 * static_cast<long>(o.slow_time_constant_windows) * o.fingerprint.window_ticks;
  AnalyzerOptions fast_only = o;
  fast_only.slow_time_constant_windows = 0;
  for (Noise noise : {Noise::kGaussian, Noise::kStudentT3, Noise::kAr1}) {
    const Detection without = run_shift(noise, j, fast_only, 3000);
    EXPECT_LT(without.delay, 0) << testing::noise_name(noise) << ": the fast channel found it";
    const Detection d = run_shift(noise, j, o, 3000);
    print_detection("small", noise, d);
    ASSERT_GE(d.delay, 0) << "not detected under " << testing::noise_name(noise);
    EXPECT_TRUE(d.slow);
    EXPECT_LE(d.delay, bound);
    EXPECT_FALSE(d.absorbed);
    ASSERT_GE(d.top.size(), 1u);
    EXPECT_EQ(fingerprint::feature_table()[d.top[0].feature].name.rfind("cpu_usage_cores.", 0), 0u)
        << "top feature " << fingerprint::feature_table()[d.top[0].feature].name;
  }
}

}  // namespace
}  // namespace augur::drift
