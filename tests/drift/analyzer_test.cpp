#include "augur/drift/analyzer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "augur/fingerprint/feature_table.h"
#include "synthetic.h"

namespace augur::drift {
namespace {

namespace fp = augur::fingerprint;
using testing::Change;
using testing::Noise;
using testing::SyntheticInstance;

long trust_ticks(const AnalyzerOptions& o) {
  return static_cast<long>(o.drift.min_baseline_windows) * o.fingerprint.window_ticks +
         o.fingerprint.window_ticks;
}

TEST(Analyzer, ShowsTheBaselineLearningUntilTrustedAfterMinBaselineWindows) {
  AnalyzerOptions o;
  Analyzer analyzer(o);
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 1);
  const long window = o.fingerprint.window_ticks;
  const auto trust = static_cast<std::uint64_t>(o.drift.min_baseline_windows * window);
  for (long t = 0; t < trust_ticks(o) + 10; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    EXPECT_EQ(a.has_fingerprint, t >= window - 1) << t;
    if (a.instance_baseline.fingerprints < trust) {
      EXPECT_EQ(a.instance_baseline.status, BaselineStatus::kLearning) << t;
      EXPECT_FALSE(a.scored) << t;
    } else {
      EXPECT_EQ(a.instance_baseline.status, BaselineStatus::kTrusted) << t;
      EXPECT_GE(a.instance_baseline.windows, o.drift.min_baseline_windows);
    }
  }
  const Analysis& last = analyzer.analyze(vm.next());
  EXPECT_TRUE(last.scored);
  EXPECT_EQ(last.scope, BaselineScope::kInstance);
  EXPECT_GT(last.threshold, 0);
}

TEST(Analyzer, DescribesEveryFeatureAgainstTheJudgingBaselineOnceScored) {
  AnalyzerOptions o;
  Analyzer analyzer(o);
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 3);
  for (long t = 0; t < trust_ticks(o) + 10; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    if (!a.scored) {
      EXPECT_TRUE(a.z.empty()) << t;
      EXPECT_TRUE(a.baseline_mean.empty()) << t;
    }
  }
  const Analysis& a = analyzer.analyze(vm.next());
  ASSERT_TRUE(a.scored);
  ASSERT_EQ(a.z.size(), fp::kFeatureCount);
  ASSERT_EQ(a.baseline_mean.size(), fp::kFeatureCount);
  // In the features' own units: the web profile runs at 2 cores and 4 GB.
  const std::size_t cpu = *fp::feature_index("cpu_usage_cores.mean");
  const std::size_t memory = *fp::feature_index("memory_bytes.mean");
  const std::size_t cpu_std = *fp::feature_index("cpu_usage_cores.std");  // modelled in log
  EXPECT_NEAR(a.baseline_mean[cpu], 2.0, 0.1);
  EXPECT_NEAR(a.baseline_mean[memory], 4e9, 0.05e9);
  EXPECT_GT(a.baseline_mean[cpu_std], 0.05);  // 10 % noise on 2 cores: about 0.2
  EXPECT_LT(a.baseline_mean[cpu_std], 0.5);
  // z is this window's distance from that mean in the baseline's scale: a noisy window of
  // the same profile stays within a few units of it.
  EXPECT_LT(std::abs(a.z[cpu]), 6.0);
  // A feature the window does not hold carries NaN and 0 rather than a mean.
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (a.fingerprint.present[i]) continue;
    EXPECT_TRUE(std::isnan(a.baseline_mean[i])) << fp::feature_table()[i].name;
    EXPECT_EQ(a.z[i], 0.0) << fp::feature_table()[i].name;
  }
}

TEST(Analyzer, DoesNotAbsorbAnEpisodesWindowsIntoTheBaselines) {
  AnalyzerOptions o;
  Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 7);
  const long start = trust_ticks(o) + 500;
  vm.inject({Metric::kCpuUsageCores, Change::kLevel, start, 0.5});
  const std::size_t cpu = *fp::feature_index("cpu_usage_cores.mean");
  bool in_episode = false;
  std::uint64_t own_at_start = 0;
  std::uint64_t type_at_start = 0;
  double cpu_centre_at_start = 0;
  int episode_ticks = 0;
  for (long t = 0; t < start + 1000; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    for (const EpisodeEvent& e : a.events) {
      if (e.kind != EpisodeEventKind::kStarted) continue;
      ASSERT_GE(t, start) << "false episode before the shift";
      in_episode = true;
      own_at_start = analyzer.baselines().find_instance("vm-1")->fingerprints;
      type_at_start = analyzer.baselines().find_type("web")->fingerprints;
      cpu_centre_at_start = analyzer.baselines().find_instance("vm-1")->features[cpu].mean;
    }
    if (in_episode) {
      ++episode_ticks;
      EXPECT_TRUE(a.in_episode);
      EXPECT_FALSE(a.learned) << t;
    }
  }
  ASSERT_TRUE(in_episode);
  EXPECT_GT(episode_ticks, 900);
  EXPECT_EQ(analyzer.baselines().find_instance("vm-1")->fingerprints, own_at_start);
  EXPECT_EQ(analyzer.baselines().find_type("web")->fingerprints, type_at_start);
  EXPECT_EQ(analyzer.baselines().find_instance("vm-1")->features[cpu].mean, cpu_centre_at_start);
}

TEST(Analyzer, ClosesAnEpisodeWhenTheInstanceReturnsToNormal) {
  AnalyzerOptions o;
  Analyzer analyzer(o);
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 8);
  const long start = trust_ticks(o) + 300;
  vm.inject({Metric::kCpuUsageCores, Change::kLevel, start, 0.6});
  vm.inject({Metric::kCpuUsageCores, Change::kLevel, start + 300, -0.6});  // back to normal
  int started = 0;
  int ended = 0;
  DriftEpisode closed;
  EpisodeEndReason end_reason = EpisodeEndReason::kNone;
  for (long t = 0; t < start + 800; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    for (const EpisodeEvent& e : a.events) {
      started += e.kind == EpisodeEventKind::kStarted;
      if (e.kind == EpisodeEventKind::kEnded) {
        ++ended;
        closed = e.episode;
        end_reason = e.end_reason;
      }
    }
  }
  EXPECT_EQ(started, 1);
  ASSERT_EQ(ended, 1);
  EXPECT_EQ(end_reason, EpisodeEndReason::kReturned);
  EXPECT_EQ(end_reason_name(end_reason), "returned");
  ASSERT_TRUE(closed.end.has_value());
  EXPECT_EQ(closed.state, EpisodeState::kClosed);
  EXPECT_LE(closed.start, closed.peak_at);
  EXPECT_LT(closed.peak_at, *closed.end);
  EXPECT_GT(closed.peak_score, closed.threshold);
  EXPECT_EQ(closed.direction.size(), fp::kFeatureCount);
  EXPECT_GT(closed.direction[*fp::feature_index("cpu_usage_cores.mean")], 3.0);
}

// A permanent shift never returns to baseline: after rebaseline_after_ticks the episode
// ends as "rebaselined", the instance relearns its own baseline from the new level (not
// judged meanwhile, not teaching its type), and once trusted again it is quiet at that level.
TEST(Analyzer, RebaselinesAnInstanceWhoseEpisodeOutlastsTheRebaselinePeriod) {
  AnalyzerOptions o;
  o.rebaseline_after_ticks = 600;
  Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 21);
  const long shift = trust_ticks(o) + 300;
  vm.inject({Metric::kCpuUsageCores, Change::kLevel, shift, 0.5});  // for good
  const std::size_t cpu = *fp::feature_index("cpu_usage_cores.mean");
  const long relearn = static_cast<long>(o.drift.min_baseline_windows) * o.fingerprint.window_ticks;
  long opened = -1;
  long rebaselined = -1;
  int episodes = 0;
  std::uint64_t type_learned_at_rebaseline = 0;
  std::uint64_t type_learned_before_trust = 0;
  long judged_while_relearning = 0;
  long episodes_after_relearning = 0;
  double old_centre = 0;
  Analysis last;
  for (long t = 0; t < shift + 600 + relearn + 1000; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    for (const EpisodeEvent& e : a.events) {
      if (e.kind == EpisodeEventKind::kStarted) {
        ++episodes;
        if (opened < 0) opened = t;
        if (rebaselined >= 0) ++episodes_after_relearning;
      }
      if (e.kind != EpisodeEventKind::kEnded) continue;
      ASSERT_EQ(e.end_reason, EpisodeEndReason::kRebaselined) << t;
      EXPECT_EQ(end_reason_name(e.end_reason), "rebaselined");
      ASSERT_TRUE(e.episode.end.has_value());
      EXPECT_EQ(e.episode.state, EpisodeState::kClosed);
      rebaselined = t;
      type_learned_at_rebaseline = analyzer.baselines().find_type("web")->fingerprints;
    }
    if (opened < 0) old_centre = analyzer.baselines().find_instance("vm-1")->features[cpu].mean;
    if (rebaselined >= 0 && t > rebaselined && a.relearning) {
      judged_while_relearning += a.scored;
      EXPECT_EQ(a.scope, BaselineScope::kNone) << t;
      EXPECT_EQ(a.instance_baseline.status, BaselineStatus::kLearning) << t;
      type_learned_before_trust = analyzer.baselines().find_type("web")->fingerprints;
    }
    last = a;
  }
  std::printf(
      "[ rebaseline ] shift at %ld, episode opened at %ld, rebaselined at %ld (%ld ticks"
      " open), trusted again after %ld ticks\n",
      shift, opened, rebaselined, rebaselined - opened, relearn);
  ASSERT_GE(opened, shift);
  EXPECT_EQ(rebaselined - opened, o.rebaseline_after_ticks);
  EXPECT_EQ(judged_while_relearning, 0);
  EXPECT_EQ(type_learned_before_trust, type_learned_at_rebaseline) << "the type was taught";
  // Trusted again, judged by its own new baseline, quiet at the new level.
  EXPECT_EQ(episodes, 1);
  EXPECT_EQ(episodes_after_relearning, 0);
  EXPECT_FALSE(last.relearning);
  EXPECT_TRUE(last.scored);
  EXPECT_EQ(last.scope, BaselineScope::kInstance);
  EXPECT_FALSE(last.in_episode);
  const double new_centre = analyzer.baselines().find_instance("vm-1")->features[cpu].mean;
  EXPECT_NEAR(new_centre, 1.5 * old_centre, 0.05 * old_centre);
}

TEST(Analyzer, KeepsAPermanentShiftOpenWhenRebaselineIsOff) {
  AnalyzerOptions o;
  o.rebaseline_after_ticks = 0;
  Analyzer analyzer(o);
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 22);
  const long shift = trust_ticks(o) + 300;
  vm.inject({Metric::kCpuUsageCores, Change::kLevel, shift, 0.5});
  int started = 0;
  int ended = 0;
  Analysis last;
  for (long t = 0; t < shift + 5000; ++t) {
    const Analysis& a = analyzer.analyze(vm.next());
    for (const EpisodeEvent& e : a.events) {
      started += e.kind == EpisodeEventKind::kStarted;
      ended += e.kind == EpisodeEventKind::kEnded;
    }
    last = a;
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(ended, 0);
  EXPECT_TRUE(last.in_episode);
  EXPECT_GT(last.episode_ticks, 4900);
  EXPECT_EQ(AnalyzerOptions{}.rebaseline_after_ticks, kDefaultRebaselineAfterTicks);
}

// An instance that stops answering (every metric missing) neither learns nor counts towards
// trust from those windows.
TEST(Analyzer, DoesNotLearnWindowsWithNothingPresent) {
  AnalyzerOptions o;
  Analyzer analyzer(o);
  SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 23);
  for (long t = 0; t < 500; ++t) (void)analyzer.analyze(vm.next());
  const std::uint64_t learned = analyzer.baselines().find_instance("vm-1")->fingerprints;
  Sample empty;
  empty.instance_id = "vm-1";
  for (long t = 0; t < 300; ++t) {
    empty.at += std::chrono::seconds(1);
    const Analysis& a = analyzer.analyze(empty);
    if (t >= o.fingerprint.window_ticks) {
      EXPECT_FALSE(a.learned) << t;
      EXPECT_FALSE(a.scored) << t;
    }
  }
  const std::uint64_t after = analyzer.baselines().find_instance("vm-1")->fingerprints;
  // Only the windows that still held some present ticks (the first half window) were learned.
  EXPECT_LE(after - learned, static_cast<std::uint64_t>(o.fingerprint.window_ticks));
}

// The other rule and the other distance detect the same change at the default settings.
TEST(Analyzer, DetectsALevelShiftWithKOfNAndWithMahalanobis) {
  for (int variant = 0; variant < 2; ++variant) {
    AnalyzerOptions o;
    if (variant == 0) o.drift.rule = config::SequentialRule::kKOfN;
    if (variant == 1) o.drift.distance = config::DistanceKind::kMahalanobis;
    Analyzer analyzer(o);
    SyntheticInstance vm("vm-1", testing::web_profile(), Noise::kGaussian, 12);
    const long start = trust_ticks(o) + 300;
    vm.inject({Metric::kCpuUsageCores, Change::kLevel, start, 0.5});
    long delay = -1;
    int false_episodes = 0;
    for (long t = 0; t < start + 300; ++t) {
      const Analysis& a = analyzer.analyze(vm.next());
      for (const EpisodeEvent& e : a.events) {
        if (e.kind != EpisodeEventKind::kStarted) continue;
        if (t < start) ++false_episodes;
        if (t >= start && delay < 0) delay = t - start;
      }
    }
    std::printf("[ %s ] delay %ld ticks, false episodes before the shift %d\n",
                variant == 0 ? "k-of-n" : "mahalanobis", delay, false_episodes);
    EXPECT_EQ(false_episodes, 0);
    EXPECT_GE(delay, 0);
    EXPECT_LE(delay, 60);
  }
}

std::vector<testing::Level> unlike_any_profile() {
  auto p = testing::web_profile();
  for (auto& l : p) l.level *= 20;
  return p;
}

TEST(Analyzer, AssignsAnUndeclaredInstanceToTheNearestTrustedType) {
  AnalyzerOptions o;
  Analyzer analyzer(o);
  analyzer.set_app_type("web-1", "web");
  analyzer.set_app_type("web-2", "web");
  analyzer.set_app_type("batch-1", "batch");
  SyntheticInstance web1("web-1", testing::web_profile(), Noise::kGaussian, 31);
  SyntheticInstance web2("web-2", testing::web_profile(), Noise::kAr1, 32);
  SyntheticInstance batch1("batch-1", testing::batch_profile(), Noise::kGaussian, 33);
  for (long t = 0; t < trust_ticks(o) + 200; ++t) {
    (void)analyzer.analyze(web1.next());
    (void)analyzer.analyze(web2.next());
    (void)analyzer.analyze(batch1.next());
  }
  ASSERT_TRUE(analyzer.baselines().trusted(*analyzer.baselines().find_type("web")));
  ASSERT_TRUE(analyzer.baselines().trusted(*analyzer.baselines().find_type("batch")));
  const std::uint64_t batch_learned = analyzer.baselines().find_type("batch")->fingerprints;

  SyntheticInstance mystery("mystery", testing::batch_profile(), Noise::kGaussian, 34);
  SyntheticInstance stranger("stranger", unlike_any_profile(), Noise::kGaussian, 35);
  Analysis m;
  Analysis s;
  for (long t = 0; t < 3 * o.fingerprint.window_ticks; ++t) {
    m = analyzer.analyze(mystery.next());
    s = analyzer.analyze(stranger.next());
  }
  std::printf("[ unknown type ] mystery -> '%s' confidence %.2f; stranger -> '%s'\n",
              m.app_type.c_str(), m.type_confidence, s.app_type.c_str());
  EXPECT_EQ(m.app_type, "batch");
  EXPECT_TRUE(m.type_inferred);
  EXPECT_GT(m.type_confidence, 0.5);
  EXPECT_TRUE(m.scored);  // judged at once: its baseline was seeded from the type
  EXPECT_EQ(s.app_type, "");
  EXPECT_FALSE(s.type_inferred);
  // An inferred member does not teach its type.
  EXPECT_EQ(analyzer.baselines().find_type("batch")->fingerprints, batch_learned);
}

}  // namespace
}  // namespace augur::drift
