#include "augur/predict/pattern_record.h"

#include <gtest/gtest.h>

#include <chrono>

#include "augur/predict/predictor.h"
#include "test_patterns.h"

namespace augur::predict {
namespace {

Pattern full_pattern(SteadyTime steady_now, std::int64_t unix_now_ms) {
  ResourceVector outcome;
  outcome[Resource::kCpu] = 0.5;
  outcome[Resource::kDisk] = 2e6;
  Pattern p = testing::labelled_pattern("host-a:pattern:e1:7", "database", {0.1, -2.5, 3.25, 1e-3},
                                        4.5, outcome, unix_now_ms - 90'000);
  p.start = steady_now - std::chrono::milliseconds(90'000);
  p.need_at_start.resources[Resource::kCpu] = 1.5;
  p.need_at_start.resources[Resource::kMemory] = 2e9;
  p.allocation[Resource::kCpu] = 2;
  p.host_load[Resource::kDisk] = 0.8;
  return p;
}

TEST(PatternRecord, PatternRoundTripsThroughTheRecord) {
  const SteadyTime steady_now = SteadyTime{} + std::chrono::hours(5);
  const std::int64_t unix_now_ms = 1'750'000'000'000;
  const Pattern p = full_pattern(steady_now, unix_now_ms);
  const store::PatternRecord r = to_record(p);
  EXPECT_EQ(r.record_id, p.id);
  EXPECT_EQ(r.direction, p.delta);
  EXPECT_EQ(r.created_unix_ms, p.start_unix_ms);
  ASSERT_TRUE(r.outcome.has_value());
  auto back = from_record(r, steady_now, unix_now_ms);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, p);
  EXPECT_EQ(to_record(*back), r);
}

TEST(PatternRecord, UnlabelledPatternRoundTrips) {
  const SteadyTime steady_now = SteadyTime{} + std::chrono::hours(5);
  Pattern p = full_pattern(steady_now, 1'750'000'000'000);
  p.outcome.reset();
  const store::PatternRecord r = to_record(p);
  EXPECT_FALSE(r.outcome.has_value());
  EXPECT_FALSE(r.labelled_unix_ms.has_value());
  auto back = from_record(r, steady_now, 1'750'000'000'000);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, p);
}

TEST(PatternRecord, RejectsARecordWithoutADirection) {
  store::PatternRecord r = to_record(full_pattern(SteadyTime{}, 0));
  r.direction.assign(4, 0.0);
  auto back = from_record(r, SteadyTime{}, 0);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().where.find(r.record_id), std::string::npos);
}

TEST(PatternRecord, ReloadedHistoryGivesIdenticalPredictions) {
  const SteadyTime steady_now = SteadyTime{} + std::chrono::hours(5);
  const std::int64_t unix_now_ms = 1'750'000'000'000;
  Predictor before(PredictorOptions{});
  std::vector<store::PatternRecord> saved;
  for (int i = 0; i < 20; ++i) {
    ResourceVector outcome;
    outcome[Resource::kCpu] = 0.1 * i;
    Pattern p = testing::labelled_pattern(std::to_string(i), i % 2 ? "db" : "web",
                                          {1.0, 0.05 * i, -0.02 * i}, 1 + 0.1 * i, outcome, i);
    ASSERT_TRUE(before.add(p).has_value());
  }
  for (const Pattern& p : before.patterns()) saved.push_back(to_record(p));
  Predictor after(PredictorOptions{});
  for (const store::PatternRecord& r : saved) {
    auto p = from_record(r, steady_now, unix_now_ms);
    ASSERT_TRUE(p.has_value());
    ASSERT_TRUE(after.add(std::move(*p)).has_value());
  }
  PredictionQuery q;
  q.app_type = "db";
  q.delta = {1.0, 0.3, -0.1};
  q.magnitude = 1.7;
  const Prediction a = before.predict(q);
  const Prediction b = after.predict(q);
  ASSERT_TRUE(a.available);
  for (Resource r : kAllResources) {
    ASSERT_EQ(a.unadjusted_increase.known(r), b.unadjusted_increase.known(r));
    if (a.unadjusted_increase.known(r)) {
      EXPECT_EQ(a.unadjusted_increase[r], b.unadjusted_increase[r]);
    }
  }
  EXPECT_EQ(a.confidence, b.confidence);
  ASSERT_EQ(a.neighbours.size(), b.neighbours.size());
  for (std::size_t i = 0; i < a.neighbours.size(); ++i) {
    EXPECT_EQ(a.neighbours[i].instance_id, b.neighbours[i].instance_id);
    EXPECT_EQ(a.neighbours[i].distance, b.neighbours[i].distance);
  }
}

}  // namespace
}  // namespace augur::predict
