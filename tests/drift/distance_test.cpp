#include "augur/drift/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fingerprints.h"

namespace augur::drift {
namespace {

namespace fp = augur::fingerprint;
using testing::Noise;
using testing::SyntheticInstance;

constexpr double kFloor = 1e-3;

Baseline baseline_of(const std::vector<Fingerprint>& windows, bool covariance = false) {
  Baseline b = make_baseline(covariance);
  for (const Fingerprint& f : windows) learn(b, f);
  return b;
}

bool is_hardware(std::size_t feature) {
  const auto s = fp::feature_table()[feature].series;
  return s == fp::Series::kIpc || s == fp::Series::kCacheMpki || s == fp::Series::kBranchMpki;
}

// A fingerprint `shift` scales away from the centre in every feature present in `like`.
Fingerprint shifted(const Baseline& b, const Fingerprint& like, double shift) {
  Fingerprint f = like;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const double modelled = b.features[i].mean + shift * feature_scale(b, i, kFloor);
    f.values[i] = modelled_in_log(i)
                      ? std::exp(modelled) - fp::feature_table()[i].min_scale  // inverse
                      : modelled;
  }
  return f;
}

TEST(DriftScore, TheSameShiftScoresTheSameWhateverIsMasked) {
  SyntheticInstance vm("vm", testing::web_profile(), Noise::kGaussian, 3);
  const auto windows = testing::fingerprints_of(vm, 300);
  const Baseline b = baseline_of(windows);
  Fingerprint all = shifted(b, windows.back(), 2.5);
  Fingerprint fewer = all;
  std::size_t masked = 0;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (is_hardware(i) || i % 3 == 0) {
      fewer.present[i] = false;
      ++masked;
    }
  }
  Standardized z;
  standardize(all, b, kFloor, z);
  const std::size_t compared_all = z.count;
  const double score_all = euclidean_score(z);
  standardize(fewer, b, kFloor, z);
  EXPECT_EQ(z.count + masked, compared_all);
  EXPECT_NEAR(score_all, 2.5, 1e-9);
  EXPECT_NEAR(euclidean_score(z), score_all, 1e-9);
}

// A host without a PMU, judged against a fleet baseline that has hardware features, scores
// exactly as against a baseline that never had them.
TEST(DriftScore, MaskedHardwareFeaturesLeaveTheScoreUnchanged) {
  SyntheticInstance with_pmu("a", testing::web_profile(), Noise::kGaussian, 4);
  SyntheticInstance without_pmu("a", testing::web_profile(), Noise::kGaussian, 4);
  without_pmu.set_missing(Metric::kCycles);
  without_pmu.set_missing(Metric::kInstructions);
  const Baseline fleet = baseline_of(testing::fingerprints_of(with_pmu, 400));
  const Baseline no_hw = baseline_of(testing::fingerprints_of(without_pmu, 400));

  SyntheticInstance probe("p", testing::web_profile(), Noise::kGaussian, 5);
  probe.set_missing(Metric::kCycles);
  probe.set_missing(Metric::kInstructions);
  probe.inject({Metric::kCpuUsageCores, testing::Change::kLevel, 0, 0.4});
  const Fingerprint f = testing::fingerprints_of(probe, 1).back();
  ASSERT_FALSE(f.present[*fp::feature_index("ipc.mean")]);

  Standardized z;
  standardize(f, fleet, kFloor, z);
  const double against_fleet = euclidean_score(z);
  standardize(f, no_hw, kFloor, z);
  EXPECT_DOUBLE_EQ(against_fleet, euclidean_score(z));
  EXPECT_GT(against_fleet, 3.0);  // the shift is there
}

TEST(DriftScore, TopFeaturesAreTheLargestAbsoluteContributionsOnePerSeries) {
  // Features 0-4 are cpu_usage_cores' five statistics, 5-9 ipc's, 10 cache_mpki.mean.
  ASSERT_EQ(fingerprint::feature_table()[4].series, fingerprint::Series::kCpuUsageCores);
  ASSERT_EQ(fingerprint::feature_table()[9].series, fingerprint::Series::kIpc);
  ASSERT_EQ(fingerprint::feature_table()[10].series, fingerprint::Series::kCacheMpki);
  Standardized z;
  for (std::size_t i = 0; i < 11; ++i) {
    z.compared[i] = true;
    z.z[i] = 0.01 * static_cast<double>(i);
  }
  z.z[4] = -7;
  z.z[3] = 6;  // cpu_usage_cores again: its -7 stands for it
  z.z[8] = 5;
  z.z[9] = 0.9;  // ipc again
  z.z[10] = 0.5;
  z.compared[20] = false;
  z.z[20] = 100;  // not compared: never a top feature
  z.count = 11;
  std::vector<FeatureContribution> top;
  top_features(z, 3, top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].feature, 4u);
  EXPECT_EQ(top[0].contribution, -7);
  EXPECT_EQ(top[1].feature, 8u);
  EXPECT_EQ(top[2].feature, 10u) << "the next series, not ipc's second statistic";
  top_features(z, 5, top);
  EXPECT_EQ(top.size(), 3u) << "three series compared";
}

// Two features moving together: a shift along their correlation is ordinary, against it
// is not. Mahalanobis sees the difference; with full shrinkage it is the Euclidean score.
TEST(DriftScore, MahalanobisDiscountsShiftsAlongTheCorrelation) {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> n01(0.0, 1.0);
  Baseline b = make_baseline(/*track_covariance=*/true);
  for (int t = 0; t < 2000; ++t) {
    Fingerprint f;
    f.values.assign(fp::kFeatureCount, 0.0);
    f.present.assign(fp::kFeatureCount, false);
    const double common = n01(rng);
    f.values[0] = 10 + common + 0.2 * n01(rng);
    f.values[2] = 10 + common + 0.2 * n01(rng);
    f.values[1] = 5 + n01(rng);
    f.present[0] = f.present[1] = f.present[2] = true;
    learn(b, f);
  }
  Standardized along;
  along.z[0] = 2;
  along.z[2] = 2;
  along.compared[0] = along.compared[2] = true;
  along.count = 2;
  Standardized against = along;
  against.z[2] = -2;

  MahalanobisScorer scorer(/*shrinkage=*/0.2);
  const double m_along = scorer.score(along, b, kFloor);
  const double m_against = scorer.score(against, b, kFloor);
  EXPECT_NEAR(euclidean_score(along), euclidean_score(against), 1e-12);
  EXPECT_LT(m_along, euclidean_score(along));
  EXPECT_GT(m_against, 2 * m_along);

  MahalanobisScorer identity(/*shrinkage=*/1.0);
  EXPECT_NEAR(identity.score(against, b, kFloor), euclidean_score(against), 1e-6);
}

}  // namespace
}  // namespace augur::drift
