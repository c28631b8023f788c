#include "augur/drift/baseline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "augur/drift/baseline_codec.h"
#include "augur/drift/distance.h"
#include "fingerprints.h"

namespace augur::drift {
namespace {

namespace fp = augur::fingerprint;
using testing::Noise;
using testing::SyntheticInstance;

void expect_rel(double a, double b, double rel, double abs_scale, const std::string& what) {
  EXPECT_LE(std::abs(a - b), rel * std::max({std::abs(a), std::abs(b), abs_scale})) << what;
}

TEST(Moments, MergedEqualsPooledWithinRounding) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(10.0, 2.0);
  Moments pooled;
  Moments parts[3];
  for (int i = 0; i < 10'000; ++i) {
    const double x = dist(rng);
    pooled.add(x);
    parts[i % 7 == 0 ? 0 : (i % 3 == 0 ? 1 : 2)].add(x);
  }
  Moments merged = parts[0];
  merged.merge(parts[1]);
  merged.merge(parts[2]);
  EXPECT_EQ(merged.count, pooled.count);
  expect_rel(merged.mean, pooled.mean, 1e-12, 0, "mean");
  expect_rel(merged.m2, pooled.m2, 1e-9, 0, "m2");
}

// Three instances of one type, one without a PMU (its hardware features masked): the type
// baseline merged from their baselines equals the one learned from all their windows.
TEST(Baseline, TypeMergedFromInstancesEqualsOneLearnedFromTheirPooledWindows) {
  SyntheticInstance a("a", testing::web_profile(), Noise::kGaussian, 1);
  SyntheticInstance b("b", testing::web_profile(), Noise::kStudentT3, 2);
  SyntheticInstance c("c", testing::web_profile(), Noise::kAr1, 3);
  c.set_missing(Metric::kCycles);
  std::vector<std::vector<Fingerprint>> windows = {testing::fingerprints_of(a, 700),
                                                   testing::fingerprints_of(b, 1100),
                                                   testing::fingerprints_of(c, 400)};
  std::mt19937_64 rng(9);
  std::gamma_distribution<double> scores(9.0, 0.1);

  Baseline pooled = make_baseline(/*track_covariance=*/true);
  Baseline merged = make_baseline(/*track_covariance=*/true);
  for (const auto& instance : windows) {
    Baseline own = make_baseline(/*track_covariance=*/true);
    for (const Fingerprint& f : instance) {
      const double s = scores(rng);
      own.scores.add(s);
      pooled.scores.add(s);
      own.slow_scores.add(s / 3);
      pooled.slow_scores.add(s / 3);
      learn(own, f);
      learn(pooled, f);
    }
    merge_into(merged, own);
  }

  EXPECT_EQ(merged.fingerprints, pooled.fingerprints);
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const std::string name(fp::feature_table()[i].name);
    EXPECT_EQ(merged.features[i].count, pooled.features[i].count) << name;
    expect_rel(merged.features[i].mean, pooled.features[i].mean, 1e-9, 0, name + " mean");
    expect_rel(merged.features[i].m2, pooled.features[i].m2, 1e-9, 0, name + " m2");
  }
  EXPECT_EQ(merged.covariance.count, pooled.covariance.count);
  EXPECT_EQ(merged.covariance.mask, pooled.covariance.mask);
  EXPECT_FALSE(merged.covariance.mask[*fp::feature_index("ipc.mean")]);  // c had no PMU
  EXPECT_TRUE(merged.covariance.mask[*fp::feature_index("cpu_usage_cores.mean")]);
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (!merged.covariance.mask[i]) continue;
    expect_rel(merged.covariance.mean[i], pooled.covariance.mean[i], 1e-9, 0, "co-mean");
    for (std::size_t j = 0; j < fp::kFeatureCount; ++j) {
      if (!merged.covariance.mask[j]) continue;
      const std::size_t k = i * fp::kFeatureCount + j;
      // Relative to the size of the entries' own variances: a covariance near 0 is a
      // difference of large terms.
      const double scale = std::sqrt(pooled.covariance.comoment[i * fp::kFeatureCount + i] *
                                     pooled.covariance.comoment[j * fp::kFeatureCount + j]);
      expect_rel(merged.covariance.comoment[k], pooled.covariance.comoment[k], 1e-9, scale,
                 "comoment");
    }
  }
  EXPECT_EQ(merged.scores.counts(), pooled.scores.counts());
  EXPECT_EQ(calibrated_threshold(merged, 0.99), calibrated_threshold(pooled, 0.99));
  EXPECT_EQ(merged.slow_scores.counts(), pooled.slow_scores.counts());
  EXPECT_EQ(calibrated_slow_threshold(merged, 0.99), calibrated_slow_threshold(pooled, 0.99));
}

Baseline learned_baseline(bool covariance) {
  SyntheticInstance vm("vm", testing::web_profile(), Noise::kGaussian, 21);
  Baseline b = make_baseline(covariance);
  std::mt19937_64 rng(4);
  std::gamma_distribution<double> scores(9.0, 0.1);
  for (const Fingerprint& f : testing::fingerprints_of(vm, 500)) {
    learn(b, f);
    const double score = scores(rng);
    b.scores.add(score);
    b.slow_scores.add(score / 3);
  }
  return b;
}

void expect_identical(const Baseline& a, const Baseline& b) {
  EXPECT_EQ(a.feature_table_version, b.feature_table_version);
  EXPECT_EQ(a.fingerprints, b.fingerprints);
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    EXPECT_EQ(a.features[i].count, b.features[i].count);
    EXPECT_EQ(a.features[i].mean, b.features[i].mean);  // bit-exact
    EXPECT_EQ(a.features[i].m2, b.features[i].m2);
  }
  EXPECT_EQ(a.track_covariance, b.track_covariance);
  EXPECT_EQ(a.covariance.count, b.covariance.count);
  EXPECT_EQ(a.covariance.mask, b.covariance.mask);
  EXPECT_EQ(a.covariance.mean, b.covariance.mean);
  EXPECT_EQ(a.covariance.comoment, b.covariance.comoment);
  EXPECT_EQ(a.scores.counts(), b.scores.counts());
  EXPECT_EQ(a.slow_scores.counts(), b.slow_scores.counts());
}

// Co-moments cost 21 KiB per baseline at 52 features: only a Mahalanobis baseline has them,
// and merging with one that lacks them drops them.
TEST(Baseline, OnlyATrackedBaselineHoldsCoMoments) {
  const Baseline euclidean = learned_baseline(false);
  EXPECT_TRUE(euclidean.covariance.empty());
  EXPECT_EQ(euclidean.covariance.comoment.capacity(), 0u);
  const Baseline tracked = learned_baseline(true);
  ASSERT_FALSE(tracked.covariance.empty());
  EXPECT_EQ(tracked.covariance.comoment.size(), fp::kFeatureCount * fp::kFeatureCount);
  EXPECT_GT(tracked.covariance.count, 0u);
  Baseline merged = tracked;
  merge_into(merged, euclidean);
  EXPECT_FALSE(merged.track_covariance);
  EXPECT_TRUE(merged.covariance.empty());
  // A tracked baseline merged into a fresh tracked one keeps them.
  Baseline fresh = make_baseline(true);
  merge_into(fresh, tracked);
  EXPECT_EQ(fresh.covariance.comoment, tracked.covariance.comoment);
}

TEST(BaselineCodec, RoundTripsBitExactly) {
  for (bool covariance : {false, true}) {
    const Baseline b = learned_baseline(covariance);
    const std::string text = serialize(b);
    auto back = deserialize(text);
    ASSERT_TRUE(back.has_value()) << back.error().message();
    expect_identical(b, *back);
    EXPECT_EQ(serialize(*back), text);
  }
}

// Format 1 predates the slow channel: it is read (not relearned) with an empty slow sample;
// a format newer than this build's is rejected.
TEST(BaselineCodec, ReadsFormatOneWithAnEmptySlowSampleAndRejectsANewerFormat) {
  const Baseline b = learned_baseline(true);
  nlohmann::json doc = nlohmann::json::parse(serialize(b));
  ASSERT_EQ(doc.at("format_version").get<int>(), kBaselineFormatVersion);
  doc["format_version"] = 1;
  doc.erase("slow_score_histogram");
  auto back = deserialize(doc.dump());
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->fingerprints, b.fingerprints);
  EXPECT_EQ(back->scores.counts(), b.scores.counts());
  EXPECT_EQ(back->slow_scores.total(), 0u);
  EXPECT_EQ(calibrated_slow_threshold(*back, 0.99), 0.0);
  EXPECT_EQ(serialize(*back).find("\"format_version\":1"), std::string::npos);  // written as 2

  doc["format_version"] = kBaselineFormatVersion + 1;
  auto newer = deserialize(doc.dump());
  ASSERT_FALSE(newer.has_value());
  EXPECT_NE(newer.error().what.find("not supported"), std::string::npos) << newer.error().what;
}

TEST(BaselineCodec, RejectsAnotherFeatureTableVersion) {
  std::string text = serialize(learned_baseline(false));
  const std::string key = "\"feature_table_version\":" + std::to_string(fp::kFeatureTableVersion);
  const auto at = text.find(key);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, key.size(), "\"feature_table_version\":999");
  auto back = deserialize(text);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().what.find("feature table version 999"), std::string::npos)
      << back.error().what;
}

TEST(BaselineCodec, RejectsGarbageWithoutThrowing) {
  const std::string good = serialize(learned_baseline(true));
  for (const std::string& bad :
       {std::string(""), std::string("null"), std::string("{\"format\":42}"),
        good.substr(0, good.size() / 2), std::string("[1,2,3]"),
        std::string("{\"format\":\"augur.baseline\",\"format_version\":1}"),
        std::string("{\"format\":\"augur.baseline\",\"format_version\":2}")}) {
    auto back = deserialize(bad);
    EXPECT_FALSE(back.has_value()) << bad.substr(0, 60);
  }
  std::string renamed = good;
  renamed.replace(renamed.find("cpu_usage_cores.mean"), 20, "cpu_usage_cores.xxxx");
  EXPECT_FALSE(deserialize(renamed).has_value());
}

TEST(Baseline, FloorsTheScaleSoAFlatFeatureCannotExplode) {
  const Baseline b = learned_baseline(false);
  const std::size_t flat = *fp::feature_index("cpu_throttled_share.mean");
  ASSERT_EQ(b.features[flat].mean, 0.0);
  ASSERT_EQ(b.features[flat].variance(), 0.0);
  EXPECT_EQ(feature_scale(b, flat, 1e-3), fp::feature_table()[flat].min_scale);
  // A large level uses the relative floor when its spread is smaller.
  Baseline level = make_baseline(false);
  for (int i = 0; i < 10; ++i) level.features[0].add(100.0);
  EXPECT_DOUBLE_EQ(feature_scale(level, 0, 1e-3), 0.1);
}

TEST(Baseline, SeedingFromATypeKeepsItsCentresAndScalesButCapsItsWeight) {
  const Baseline type = learned_baseline(true);
  const Baseline seeded = seed_from(type, 100);
  EXPECT_EQ(seeded.fingerprints, 100u);
  const std::size_t cpu = *fp::feature_index("cpu_usage_cores.mean");
  EXPECT_EQ(seeded.features[cpu].count, 100u);
  EXPECT_EQ(seeded.features[cpu].mean, type.features[cpu].mean);
  expect_rel(std::sqrt(seeded.features[cpu].variance()), std::sqrt(type.features[cpu].variance()),
             0.01, 0, "scale");
  EXPECT_LE(seeded.scores.total(), 101u);
  expect_rel(seeded.scores.quantile(0.5), type.scores.quantile(0.5), 0.07, 0, "median score");
}

TEST(ScoreHistogram, EstimatesQuantilesWithinABinWidth) {
  std::mt19937_64 rng(17);
  std::exponential_distribution<double> dist(1.0);
  ScoreHistogram h;
  for (int i = 0; i < 200'000; ++i) h.add(dist(rng));
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = -std::log(1 - q);
    expect_rel(h.quantile(q), exact, 0.06, 0, "q=" + std::to_string(q));
  }
}

}  // namespace
}  // namespace augur::drift
