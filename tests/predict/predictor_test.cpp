#include "augur/predict/predictor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "test_patterns.h"

namespace augur::predict {
namespace {

using testing::labelled_pattern;

constexpr std::size_t kDim = 8;
constexpr std::size_t kDiskFeature = 3;  // "disk bytes rising" in this test's feature table
constexpr std::size_t kCpuFeature = 0;

std::vector<double> direction_along(std::size_t feature, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0, 0.1);
  std::vector<double> d(kDim);
  for (double& x : d) x = noise(rng);
  d[feature] += 1.0;
  return d;
}

ResourceVector outcome(double cpu, double disk) {
  ResourceVector r;
  r[Resource::kCpu] = cpu;
  r[Resource::kDisk] = disk;
  return r;
}

// Database episodes with rising disk I/O followed by +4..6 MB/s of disk need, and web
// episodes with rising CPU followed by +1 core.
Predictor seed_history() {
  Predictor predictor(PredictorOptions{});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> disk_rise(4e6, 6e6);
  for (int i = 0; i < 12; ++i) {
    // Draws in a fixed order (argument evaluation order differs between compilers).
    std::vector<double> db_direction = direction_along(kDiskFeature, rng);
    const double db_disk = disk_rise(rng);
    std::vector<double> web_direction = direction_along(kCpuFeature, rng);
    EXPECT_TRUE(
        predictor
            .add(labelled_pattern("db-" + std::to_string(i), "database", std::move(db_direction),
                                  4.0, outcome(0.05, db_disk), 1000 + i))
            .has_value());
    EXPECT_TRUE(predictor
                    .add(labelled_pattern("web-" + std::to_string(i), "web",
                                          std::move(web_direction), 4.0, outcome(1.0, 0), 1000 + i))
                    .has_value());
  }
  return predictor;
}

PredictionQuery database_disk_query(double host_disk_utilisation) {
  std::mt19937_64 rng(99);
  PredictionQuery q;
  q.instance_id = "db-new";
  q.app_type = "database";
  q.delta = direction_along(kDiskFeature, rng);
  q.magnitude = 3.5;
  q.host_utilisation[Resource::kDisk] = host_disk_utilisation;
  return q;
}

TEST(Predictor, PredictsDiskIncreaseForDatabaseWhoseDiskIoRises) {
  const Predictor predictor = seed_history();
  const Prediction p = predictor.predict(database_disk_query(0.0));
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_GE(p.unadjusted_increase[Resource::kDisk], 4e6);
  EXPECT_LE(p.unadjusted_increase[Resource::kDisk], 6e6);
  EXPECT_LT(p.unadjusted_increase[Resource::kCpu], 0.1);
  ASSERT_EQ(p.neighbours.size(), 5U);
  for (const Neighbour& n : p.neighbours) EXPECT_EQ(n.instance_id.rfind("vm-db-", 0), 0U);
  EXPECT_GT(p.confidence, 0.0);
  EXPECT_LE(p.confidence, 1.0);
  // A database drift unlike any in the history gets less confidence.
  PredictionQuery novel = database_disk_query(0.0);
  novel.delta.assign(kDim, 0.0);
  novel.delta[6] = 1.0;
  EXPECT_LT(predictor.predict(novel).confidence, 0.5 * p.confidence);
}

TEST(Predictor, ScalesTheIncreaseByHostHeadroomExactly) {
  const Predictor predictor = seed_history();
  const Prediction p = predictor.predict(database_disk_query(0.8));
  ASSERT_TRUE(p.available) << p.reason;
  EXPECT_DOUBLE_EQ(p.headroom_factor[Resource::kDisk], 0.2);
  EXPECT_DOUBLE_EQ(p.increase[Resource::kDisk], 0.2 * p.unadjusted_increase[Resource::kDisk]);
  // Unknown host utilisation leaves a resource unadjusted.
  EXPECT_DOUBLE_EQ(p.increase[Resource::kCpu], p.unadjusted_increase[Resource::kCpu]);
}

TEST(Predictor, SaysWhyWithTooFewLabelledNeighbours) {
  Predictor predictor(PredictorOptions{});
  std::mt19937_64 rng(1);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(predictor
                    .add(labelled_pattern(std::to_string(i), "database",
                                          direction_along(kDiskFeature, rng), 4.0, outcome(0, 5e6)))
                    .has_value());
  }
  const Prediction p = predictor.predict(database_disk_query(0.0));
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.reason, "2 labelled neighbours, need 3");
  EXPECT_TRUE(p.neighbours.empty());
}

TEST(Predictor, PrefersSameTypeUnlessAnotherTypeIsPenaltyTimesCloser) {
  PredictorOptions options;
  options.k = 1;
  options.min_neighbours = 1;
  options.other_type_penalty = 2.0;
  Predictor predictor(options);
  // Same direction for both; from the query the db pattern is at 0.128, the web one at
  // 0.208: the db pattern is closer, but not twice as close.
  ASSERT_TRUE(
      predictor.add(labelled_pattern("web", "web", {1, 0}, 2.0, outcome(1, 0))).has_value());
  ASSERT_TRUE(
      predictor.add(labelled_pattern("db", "database", {1, 0}, 2.6, outcome(0, 5e6))).has_value());
  PredictionQuery q;
  q.app_type = "web";
  q.delta = {1, 0.1};
  q.magnitude = 2.4;
  Prediction p = predictor.predict(q);
  ASSERT_TRUE(p.available);
  EXPECT_EQ(p.neighbours[0].instance_id, "vm-web");
  q.app_type = "database";
  p = predictor.predict(q);
  EXPECT_EQ(p.neighbours[0].instance_id, "vm-db");
  // With no penalty the nearest in direction and magnitude wins whatever its type.
  options.other_type_penalty = 1.0;
  Predictor flat(options);
  ASSERT_TRUE(flat.add(labelled_pattern("web", "web", {1, 0}, 2.0, outcome(1, 0))).has_value());
  ASSERT_TRUE(
      flat.add(labelled_pattern("db", "database", {0.9, 0.1}, 2.4, outcome(0, 5e6))).has_value());
  q.app_type = "web";
  EXPECT_EQ(flat.predict(q).neighbours[0].instance_id, "vm-db");
}

TEST(Predictor, NeighbourDistanceFollowsTheDocumentedFormula) {
  PredictorOptions options;
  options.min_neighbours = 1;
  options.magnitude_weight = 0.5;
  options.other_type_penalty = 3.0;
  Predictor predictor(options);
  ASSERT_TRUE(predictor.add(labelled_pattern("a", "t", {3, 4}, 2.0, outcome(1, 0))).has_value());
  PredictionQuery q;
  q.app_type = "u";
  q.delta = {1, 0};
  q.magnitude = 8.0;
  const Prediction p = predictor.predict(q);
  const double du2 = (1 - 0.6) * (1 - 0.6) + 0.8 * 0.8;
  const double dm = std::log(8.0) - std::log(2.0);
  EXPECT_DOUBLE_EQ(p.neighbours.at(0).distance, 3.0 * std::sqrt(du2 + 0.5 * dm * dm));
}

// One neighbour, no spread: confidence = closeness = exp(-d / confidence_distance).
TEST(Predictor, ConfidenceFallsWithDistanceOnTheConfiguredScale) {
  for (const double scale : {0.5, 1.5}) {
    PredictorOptions options;
    options.min_neighbours = 1;
    options.confidence_distance = scale;
    Predictor predictor(options);
    ASSERT_TRUE(predictor.add(labelled_pattern("a", "t", {3, 4}, 2.0, outcome(1, 0))).has_value());
    PredictionQuery q;
    q.app_type = "t";
    q.delta = {1, 0};
    q.magnitude = 2.0;
    const Prediction p = predictor.predict(q);
    ASSERT_TRUE(p.available) << p.reason;
    const double d = p.neighbours.at(0).distance;
    EXPECT_NEAR(d, std::sqrt(0.4 * 0.4 + 0.8 * 0.8), 1e-12);
    EXPECT_NEAR(p.confidence, std::exp(-d / scale), 1e-12) << "scale " << scale;
  }
}

TEST(Predictor, ConfidenceFallsWithSpreadOfOutcomes) {
  PredictorOptions options;
  options.k = 3;
  Predictor agree(options);
  Predictor disagree(options);
  for (int i = 0; i < 3; ++i) {
    const std::vector<double> d = {1, 0.01 * i};
    ASSERT_TRUE(agree.add(labelled_pattern(std::to_string(i), "t", d, 2, outcome(1.0, kUnknown)))
                    .has_value());
    ASSERT_TRUE(disagree
                    .add(labelled_pattern(std::to_string(i), "t", d, 2,
                                          outcome(i == 1 ? 3.0 : 0.0, kUnknown)))
                    .has_value());
  }
  PredictionQuery q;
  q.app_type = "t";
  q.delta = {1, 0};
  q.magnitude = 2;
  const Prediction a = agree.predict(q);
  const Prediction b = disagree.predict(q);
  ASSERT_TRUE(a.available && b.available);
  EXPECT_GT(a.confidence, 0.9);
  EXPECT_LT(b.confidence, a.confidence - 0.3);
  EXPECT_FALSE(a.unadjusted_increase.known(Resource::kDisk));
}

TEST(Predictor, EvictsTheOldestBeyondTheCount) {
  PredictorOptions options;
  options.max_patterns = 3;
  Predictor predictor(options);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(predictor
                    .add(labelled_pattern("p" + std::to_string(i), "t", {1, 0.1 * i}, 2,
                                          outcome(1, 0), 5000 - 1000 * (i % 2) + i))
                    .has_value());
  }
  // start_unix_ms: p0 5000, p1 4001, p2 5002, p3 4003, p4 5004: the three newest remain.
  std::vector<std::string> kept;
  for (const Pattern& p : predictor.patterns()) kept.push_back(p.id);
  EXPECT_EQ(kept, (std::vector<std::string>{"p0", "p2", "p4"}));
}

TEST(Predictor, EvictsPatternsOlderThanTheMaximumAge) {
  PredictorOptions options;
  options.max_age = std::chrono::hours(1);
  Predictor predictor(options);
  const std::int64_t hour_ms = 3'600'000;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(predictor
                    .add(labelled_pattern("p" + std::to_string(i), "t", {1, 0.1 * i}, 2,
                                          outcome(1, 0), i * hour_ms))
                    .has_value());
  }
  EXPECT_EQ(predictor.evict_older_than(3 * hour_ms), 2U);  // p0 and p1 are over 1 h old
  EXPECT_EQ(predictor.size(), 2U);
  EXPECT_EQ(predictor.patterns().front().id, "p2");
}

TEST(Predictor, RejectsUnlabelledDuplicateAndMismatchedPatterns) {
  Predictor predictor(PredictorOptions{});
  Pattern p = labelled_pattern("a", "t", {1, 0}, 2, outcome(1, 0));
  ASSERT_TRUE(predictor.add(p).has_value());
  EXPECT_FALSE(predictor.add(p).has_value());
  Pattern unlabelled = labelled_pattern("b", "t", {1, 0}, 2, outcome(1, 0));
  unlabelled.outcome.reset();
  EXPECT_FALSE(predictor.add(unlabelled).has_value());
  EXPECT_FALSE(predictor.add(labelled_pattern("c", "t", {1, 0, 0}, 2, outcome(1, 0))).has_value());
  Pattern other_version = labelled_pattern("d", "t", {1, 0}, 2, outcome(1, 0));
  other_version.feature_table_version = 2;
  EXPECT_FALSE(predictor.add(other_version).has_value());
}

TEST(Predictor, ExplainsAQueryOfTheWrongDimension) {
  PredictorOptions options;
  options.min_neighbours = 1;
  Predictor predictor(options);
  ASSERT_TRUE(predictor.add(labelled_pattern("a", "t", {1, 0}, 2, outcome(1, 0))).has_value());
  PredictionQuery q;
  q.delta = {1, 0, 0};
  q.magnitude = 1;
  const Prediction p = predictor.predict(q);
  EXPECT_FALSE(p.available);
  EXPECT_EQ(p.reason, "direction has 3 features, the history's patterns have 2");
}

}  // namespace
}  // namespace augur::predict

namespace augur::predict {
namespace {

TEST(PredictorOptions, FollowThePredictSectionOfTheConfig) {
  config::PredictSection section;
  section.k = 7;
  section.min_neighbours = 4;
  section.other_type_penalty = 3.5;
  section.magnitude_weight = 0.25;
  section.confidence_distance = 1.5;
  section.history_max_patterns = 1234;
  section.history_max_age = std::chrono::hours(2);
  const PredictorOptions o = predictor_options(section);
  EXPECT_EQ(o.k, 7U);
  EXPECT_EQ(o.min_neighbours, 4U);
  EXPECT_EQ(o.other_type_penalty, 3.5);
  EXPECT_EQ(o.magnitude_weight, 0.25);
  EXPECT_EQ(o.confidence_distance, 1.5);
  EXPECT_EQ(o.max_patterns, 1234U);
  EXPECT_EQ(o.max_age, std::chrono::milliseconds(7'200'000));
}

}  // namespace
}  // namespace augur::predict

namespace augur::predict {
namespace {

// Disk operations/s ride beside the core Prediction: same neighbours, same weights, same
// disk headroom.
TEST(Predictor, PredictsDiskOperationsWithTheDiskHeadroom) {
  Predictor predictor(PredictorOptions{});
  const std::vector<double> along_disk = {0, 0, 0, 1, 0, 0, 0, 0};
  for (int i = 0; i < 6; ++i) {
    Pattern p = testing::labelled_pattern("db-" + std::to_string(i), "database", along_disk,
                                          1.0 + 0.1 * i, ResourceVector{}, 1000 + i);
    p.outcome->increase[Resource::kDisk] = 1e6;
    // One neighbour without an ops measurement: left out of the ops mean, kept as NaN.
    p.outcome->disk_ops_increase_per_s = i == 0 ? kUnknown : 100.0 * i;
    ASSERT_TRUE(predictor.add(std::move(p)).has_value());
  }
  PredictionQuery q;
  q.app_type = "database";
  q.delta = along_disk;
  q.magnitude = 1.2;
  q.host_utilisation[Resource::kDisk] = 0.8;
  const DetailedPrediction d = predictor.predict_detailed(q);
  ASSERT_TRUE(d.prediction.available);
  ASSERT_TRUE(d.disk_ops.available);
  ASSERT_EQ(d.disk_ops.neighbour_increase_per_s.size(), d.prediction.neighbours.size());
  double ws = 0;
  double wv = 0;
  for (std::size_t i = 0; i < d.prediction.neighbours.size(); ++i) {
    const double v = d.disk_ops.neighbour_increase_per_s[i];
    if (std::isnan(v)) continue;
    const double w = 1 / (d.prediction.neighbours[i].distance + kWeightEpsilon);
    ws += w;
    wv += w * v;
  }
  EXPECT_DOUBLE_EQ(d.disk_ops.unadjusted_increase_per_s, wv / ws);
  EXPECT_GT(d.disk_ops.unadjusted_increase_per_s, 0);
  EXPECT_NEAR(d.disk_ops.increase_per_s, 0.2 * d.disk_ops.unadjusted_increase_per_s, 1e-9);
  // predict() gives the same core prediction.
  EXPECT_EQ(predictor.predict(q).neighbours.size(), d.prediction.neighbours.size());
  EXPECT_DOUBLE_EQ(predictor.predict(q).increase[Resource::kDisk],
                   d.prediction.increase[Resource::kDisk]);
}

TEST(Predictor, DiskOperationsUnavailableWhenNoNeighbourMeasuredThem) {
  Predictor predictor(PredictorOptions{});
  const std::vector<double> along_disk = {0, 0, 0, 1, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    ResourceVector out;
    out[Resource::kDisk] = 1e6;
    ASSERT_TRUE(predictor
                    .add(testing::labelled_pattern("db-" + std::to_string(i), "database",
                                                   along_disk, 1.0 + i, out, 1000 + i))
                    .has_value());
  }
  PredictionQuery q;
  q.app_type = "database";
  q.delta = along_disk;
  q.magnitude = 1.0;
  const DetailedPrediction d = predictor.predict_detailed(q);
  EXPECT_TRUE(d.prediction.available);
  EXPECT_FALSE(d.disk_ops.available);
  EXPECT_TRUE(std::isnan(d.disk_ops.increase_per_s));
}

}  // namespace
}  // namespace augur::predict
