// The observe-mode scorer on a hand-made sequence with known answers.
#include "augur/plan/observe_scorer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace augur::plan {
namespace {

using std::chrono::seconds;

SteadyTime at(int s) {
  return SteadyTime(seconds(1'000'000 + s));
}

TEST(ObserveScorer, ScoresPrecisionAndRecallOfWouldBeIncreases) {
  ObserveScorer scorer(seconds(60));
  const Resource cpu = Resource::kCpu;
  // Allocation stays 1.0 throughout (observe mode writes nothing).
  scorer.observe("a", cpu, at(0), 0.8, 1.0);
  scorer.record_increase("a", cpu, at(0), 1.0);                // -> true positive
  scorer.record_increase("a", Resource::kMemory, at(0), 4e9);  // -> false positive
  scorer.observe("a", cpu, at(10), 0.9, 1.0);
  scorer.observe("a", cpu, at(20), 1.2, 1.0);  // rise 1, anticipated by the increase at 0
  scorer.observe("a", cpu, at(30), 1.2, 1.0);  // still above: no new rise
  scorer.observe("a", cpu, at(40), 0.7, 1.0);
  scorer.observe("a", cpu, at(50), 0.7, 1.0);
  scorer.record_increase("a", cpu, at(50), 1.0);  // -> false positive: nothing until 110
  for (int t = 60; t <= 120; t += 10) scorer.observe("a", cpu, at(t), 0.7, 1.0);
  scorer.observe("a", cpu, at(130), 1.5, 1.0);  // rise 2: nothing in [70, 130) -> missed
  scorer.observe("a", cpu, at(140), 0.5, 1.0);
  scorer.observe("a", cpu, at(150), 1.1, 1.0);  // rise 3: decided on the same tick -> missed
  scorer.record_increase("a", cpu, at(150), 1.0);
  scorer.observe("a", cpu, at(160), 1.1, 1.0);  // the increase at 150 was right
  scorer.advance(at(1000));

  const ObserveScore s = scorer.score();
  EXPECT_EQ(s.increases, 4u);
  EXPECT_EQ(s.true_positives, 2u);
  EXPECT_EQ(s.false_positives, 2u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.rises, 3u);
  EXPECT_EQ(s.rises_anticipated, 1u);
  EXPECT_EQ(s.false_negatives, 2u);
  EXPECT_DOUBLE_EQ(s.precision(), 0.5);
  EXPECT_DOUBLE_EQ(s.recall(), 1.0 / 3.0);
}

TEST(ObserveScorer, KeepsAnIncreasePendingUntilItsHorizonEnds) {
  ObserveScorer scorer(seconds(60));
  scorer.record_increase("a", Resource::kCpu, at(0), 1.0);
  scorer.observe("a", Resource::kCpu, at(60), 0.5, 1.0);  // horizon is (0, 60]: still open
  EXPECT_EQ(scorer.score().pending, 1u);
  EXPECT_TRUE(std::isnan(scorer.score().precision()));
  scorer.observe("a", Resource::kCpu, at(70), 0.5, 1.0);
  EXPECT_EQ(scorer.score().pending, 0u);
  EXPECT_EQ(scorer.score().false_positives, 1u);
}

TEST(ObserveScorer, RecordsOnlyTheIncreasesOfAPlan) {
  ObserveScorer scorer(seconds(60));
  Plan plan;
  plan.instance_id = "a";
  plan.at = at(0);
  plan.changes.push_back(Change{"a", Resource::kCpu, 1.0, 1.25, "reactive", ""});
  plan.changes.push_back(Change{"a", Resource::kMemory, 4e9, 3.5e9, "scale-down", ""});
  scorer.record_plan(plan);
  EXPECT_EQ(scorer.score().increases, 1u);
  // Need above the allocation at decision (1.0), though below the would-be 1.25: a hit.
  scorer.observe("a", Resource::kCpu, at(10), 1.1, 1.0);
  EXPECT_EQ(scorer.score().true_positives, 1u);
}

TEST(ObserveScorer, ForgetDropsPendingIncreases) {
  ObserveScorer scorer(seconds(60));
  scorer.record_increase("gone", Resource::kCpu, at(0), 1.0);
  scorer.forget("gone");
  scorer.advance(at(1000));
  EXPECT_EQ(scorer.score().pending, 0u);
  EXPECT_EQ(scorer.score().false_positives, 0u);
}

}  // namespace
}  // namespace augur::plan
