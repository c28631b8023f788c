#include "augur/drift/baseline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
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

// ---- Removal: the inverse of merge_into (the fleet aggregate replaces and excludes a host's
// contribution with it).

Baseline learned_from(SyntheticInstance& vm, int windows, bool covariance, std::uint64_t seed) {
  Baseline b = make_baseline(covariance);
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> scores(9.0, 0.1);
  for (const Fingerprint& f : testing::fingerprints_of(vm, windows)) {
    learn(b, f);
    const double score = scores(rng);
    b.scores.add(score);
    b.slow_scores.add(score / 3);
  }
  return b;
}

// The largest error of `got` against `want` over everything a baseline holds, each relative
// to its own natural scale: a mean to max(|mean|, std), a sum of squares to itself, a
// co-moment to the geometric mean of its two variances' sums. Counts and bins must match
// exactly (they are integers); any mismatch is reported as infinity.
double worst_relative_error(const Baseline& got, const Baseline& want) {
  double worst = 0;
  auto note = [&](double err, double scale) {
    if (err == 0) return;
    worst = std::max(worst, scale > 0 ? err / scale : INFINITY);
  };
  if (got.fingerprints != want.fingerprints || got.scores.counts() != want.scores.counts() ||
      got.slow_scores.counts() != want.slow_scores.counts() ||
      got.track_covariance != want.track_covariance) {
    return INFINITY;
  }
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const Moments& g = got.features[i];
    const Moments& w = want.features[i];
    if (g.count != w.count) return INFINITY;
    note(std::abs(g.mean - w.mean), std::max(std::abs(w.mean), std::sqrt(w.variance())));
    note(std::abs(g.m2 - w.m2), std::abs(w.m2));
  }
  if (!want.track_covariance) return worst;
  const CoMoments& g = got.covariance;
  const CoMoments& w = want.covariance;
  if (g.count != w.count) return INFINITY;
  constexpr std::size_t d = fp::kFeatureCount;
  for (std::size_t i = 0; i < d; ++i) {
    // The result's mask may be narrower than `want`'s (a merge narrows it for good): compare
    // where the result still knows.
    if (!g.mask[i]) continue;
    const double sd_i = std::sqrt(w.comoment[i * d + i] / static_cast<double>(w.count));
    note(std::abs(g.mean[i] - w.mean[i]), std::max(std::abs(w.mean[i]), sd_i));
    for (std::size_t j = 0; j < d; ++j) {
      if (!g.mask[j]) continue;
      note(std::abs(g.comoment[i * d + j] - w.comoment[i * d + j]),
           std::sqrt(w.comoment[i * d + i] * w.comoment[j * d + j]));
    }
  }
  return worst;
}

// The tolerance of one removal and of a long run of them: rounding is ~1e-16 per step and
// grows like a random walk; 1e-9 leaves orders of magnitude of margin and is far below
// anything the drift score could notice (it divides by scales floored well above that).
constexpr double kRemovalTolerance = 1e-9;

TEST(BaselineRemoval, MergedMinusAPartEqualsTheOtherPart) {
  for (bool covariance : {false, true}) {
    SyntheticInstance a("a", testing::web_profile(), Noise::kGaussian, 31);
    SyntheticInstance b("b", testing::web_profile(), Noise::kStudentT3, 32);
    const Baseline part_a = learned_from(a, 700, covariance, 1);
    const Baseline part_b = learned_from(b, 300, covariance, 2);
    Baseline whole = part_a;
    merge_into(whole, part_b);
    Baseline back = whole;
    ASSERT_TRUE(remove_from(back, part_b).has_value());
    const double err = worst_relative_error(back, part_a);
    std::printf("merge(A, B) - B vs A (covariance %d): worst relative error %.3g\n",
                covariance ? 1 : 0, err);
    EXPECT_LE(err, kRemovalTolerance);
    // And the other way round: the larger part removed.
    Baseline other = whole;
    ASSERT_TRUE(remove_from(other, part_a).has_value());
    EXPECT_LE(worst_relative_error(other, part_b), kRemovalTolerance);
  }
}

// A fleet aggregate lives for months: every host replaces its contribution every few minutes
// (aggregate - previous + new). 10 000 such replacements among 8 hosts, then the aggregate
// compared with the merge of every host's latest contribution made afresh.
TEST(BaselineRemoval, TenThousandReplacementsKeepTheErrorBounded) {
  // A pool of distinct contributions (different noise, sizes and seeds) the hosts draw from.
  std::vector<Baseline> pool;
  const Noise noises[] = {Noise::kGaussian, Noise::kStudentT3, Noise::kAr1};
  for (int k = 0; k < 12; ++k) {
    SyntheticInstance vm("p" + std::to_string(k), testing::web_profile(), noises[k % 3],
                         static_cast<std::uint64_t>(100 + k));
    pool.push_back(
        learned_from(vm, 80 + 40 * (k % 5), /*covariance=*/true, static_cast<std::uint64_t>(k)));
  }
  constexpr std::size_t kHosts = 8;
  std::vector<std::size_t> current(kHosts);
  Baseline aggregate = pool[0];
  current[0] = 0;
  for (std::size_t h = 1; h < kHosts; ++h) {
    current[h] = h;
    merge_into(aggregate, pool[h]);
  }
  std::mt19937_64 rng(77);
  double worst = 0;
  for (int step = 1; step <= 10'000; ++step) {
    const std::size_t h = rng() % kHosts;
    const std::size_t next = rng() % pool.size();
    ASSERT_TRUE(remove_from(aggregate, pool[current[h]]).has_value()) << step;
    merge_into(aggregate, pool[next]);
    current[h] = next;
    if (step % 1000 == 0) {
      Baseline fresh = pool[current[0]];
      for (std::size_t k = 1; k < kHosts; ++k) merge_into(fresh, pool[current[k]]);
      worst = std::max(worst, worst_relative_error(aggregate, fresh));
    }
  }
  std::printf("10000 replacements among %zu hosts: worst relative error %.3g (bound %.0e)\n",
              kHosts, worst, kRemovalTolerance);
  EXPECT_LE(worst, kRemovalTolerance);
}

TEST(BaselineRemoval, RemovingTheWholeLeavesAnEmptyBaselineAndTooMuchIsRefused) {
  const Baseline b = learned_baseline(true);
  Baseline whole = b;
  ASSERT_TRUE(remove_from(whole, b).has_value());
  EXPECT_EQ(whole.fingerprints, 0u);
  EXPECT_EQ(whole.scores.total(), 0u);
  EXPECT_EQ(whole.slow_scores.total(), 0u);
  EXPECT_EQ(whole.covariance.count, 0u);
  for (const Moments& m : whole.features) {
    EXPECT_EQ(m.count, 0u);
    EXPECT_EQ(m.mean, 0.0);
    EXPECT_EQ(m.m2, 0.0);
  }
  // The empty result adds nothing when merged (and keeps co-moments flowing).
  Baseline again = whole;
  merge_into(again, b);
  EXPECT_EQ(worst_relative_error(again, b), 0.0);
  // A part larger than the whole cannot have been merged into it: an Error, nothing changed.
  Baseline small = learned_baseline(false);
  Baseline twice = small;
  merge_into(twice, small);
  Baseline copy = small;
  auto refused = remove_from(copy, twice);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(worst_relative_error(copy, small), 0.0);
}

}  // namespace
}  // namespace augur::drift
