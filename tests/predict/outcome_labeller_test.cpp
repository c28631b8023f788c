#include "augur/predict/outcome_labeller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace augur::predict {
namespace {

using std::chrono::seconds;

const SteadyTime kT0 = SteadyTime{} + std::chrono::hours(1);

Sample disk_sample(std::string instance, SteadyTime at, double bytes_per_s) {
  Sample s;
  s.instance_id = std::move(instance);
  s.at = at;
  s.elapsed = seconds(10);
  s.set(Metric::kDiskReadBytes, bytes_per_s);
  return s;
}

Pattern open_pattern(std::string id, std::string instance, double disk_at_start) {
  Pattern p;
  p.id = std::move(id);
  p.instance_id = std::move(instance);
  p.start = kT0;
  p.need_at_start = need_from_sample(disk_sample(p.instance_id, kT0, disk_at_start));
  return p;
}

OutcomeLabeller labeller_with_60s_horizon() {
  return OutcomeLabeller(LabellerOptions{seconds(60), seconds(30), 100});
}

// An open pattern with a drift of {1, 0} at strength 2, for refine().
Pattern drifting_pattern() {
  Pattern p = open_pattern("p", "db", 1e6);
  p.delta = {1, 0};
  p.direction = {1, 0};
  p.magnitude = 2;
  return p;
}

TEST(OutcomeLabeller, LabelsThePeakNeedOverTheHorizonMinusTheNeedAtTheStart) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  const double disk[] = {2e6, 5e6, 3e6, 4e6, 2e6};
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(labeller.observe(disk_sample("db", kT0 + seconds(10 * (i + 1)), disk[i]), 1)
                    .labelled.empty());
  }
  // The sample at exactly t+H is in the window and closes it.
  const LabelEvents events = labeller.observe(disk_sample("db", kT0 + seconds(60), 9e6), 7);
  ASSERT_EQ(events.labelled.size(), 1U);
  EXPECT_DOUBLE_EQ(events.labelled[0].outcome->increase[Resource::kDisk], 9e6 - 1e6);
  EXPECT_FALSE(events.labelled[0].outcome->increase.known(Resource::kCpu));
  EXPECT_EQ(labeller.open_count(), 0U);
}

TEST(OutcomeLabeller, RefinesAnOpenPatternsDriftAndKeepsItsReference) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(drifting_pattern()).has_value());

  const auto refined = labeller.refine("p", {3, 4}, 5);
  ASSERT_TRUE(refined) << refined.error().what;
  EXPECT_EQ(refined->delta, (std::vector<double>{3, 4}));
  EXPECT_EQ(refined->direction, (std::vector<double>{0.6, 0.8}));
  EXPECT_EQ(refined->magnitude, 5);
  EXPECT_EQ(refined->start, kT0);
  const LabelEvents events = labeller.observe(disk_sample("db", kT0 + seconds(60), 4e6), 7);
  ASSERT_EQ(events.labelled.size(), 1U);
  EXPECT_EQ(events.labelled[0].direction, (std::vector<double>{0.6, 0.8})) << "labelled as refined";
  EXPECT_DOUBLE_EQ(events.labelled[0].outcome->increase[Resource::kDisk], 3e6);
}

TEST(OutcomeLabeller, RefusesToRefineAnUnknownPatternOrAnUnusableDrift) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(drifting_pattern()).has_value());
  EXPECT_FALSE(labeller.refine("q", {1, 0}, 1)) << "not open";
  EXPECT_FALSE(labeller.refine("p", {1, 0, 0}, 1)) << "another length";
  EXPECT_FALSE(labeller.refine("p", {0, 0}, 1)) << "no direction";
  EXPECT_FALSE(labeller.refine("p", {1, 0}, 0)) << "no magnitude";
  const auto unchanged = labeller.refine("p", {2, 0}, 2);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->direction, (std::vector<double>{1, 0}));
}

TEST(OutcomeLabeller, IgnoresSamplesAfterTheHorizonAndOfOtherInstances) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  EXPECT_TRUE(labeller.observe(disk_sample("other", kT0 + seconds(10), 1e9), 1).labelled.empty());
  EXPECT_TRUE(labeller.observe(disk_sample("db", kT0 + seconds(30), 3e6), 1).labelled.empty());
  const LabelEvents events = labeller.observe(disk_sample("db", kT0 + seconds(70), 1e9), 1);
  ASSERT_EQ(events.labelled.size(), 1U);
  EXPECT_DOUBLE_EQ(events.labelled[0].outcome->increase[Resource::kDisk], 2e6);
}

TEST(OutcomeLabeller, DropsPatternsOfAnInstanceThatVanished) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  ASSERT_TRUE(labeller.open(open_pattern("q", "web", 1e6)).has_value());
  (void)labeller.observe(disk_sample("db", kT0 + seconds(10), 3e6), 1);
  EXPECT_EQ(labeller.forget_instance("db"), std::vector<std::string>{"p"});
  EXPECT_EQ(labeller.open_count(), 1U);
}

TEST(OutcomeLabeller, DropsPatternsNoSampleReachedAfterTheGrace) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  (void)labeller.observe(disk_sample("db", kT0 + seconds(10), 3e6), 1);
  EXPECT_TRUE(labeller.drop_stale(kT0 + seconds(90)).empty());  // still within the grace
  EXPECT_EQ(labeller.drop_stale(kT0 + seconds(91)), std::vector<std::string>{"p"});
  EXPECT_EQ(labeller.open_count(), 0U);
}

TEST(OutcomeLabeller, DropsAPatternWhoseWindowHeldNoSample) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  const LabelEvents events = labeller.observe(disk_sample("db", kT0 + seconds(200), 3e6), 1);
  EXPECT_TRUE(events.labelled.empty());
  EXPECT_EQ(events.dropped, std::vector<std::string>{"p"});
}

TEST(OutcomeLabeller, RejectsDuplicateAndAlreadyLabelledPatterns) {
  OutcomeLabeller labeller = labeller_with_60s_horizon();
  ASSERT_TRUE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  EXPECT_FALSE(labeller.open(open_pattern("p", "db", 1e6)).has_value());
  Pattern done = open_pattern("r", "db", 1e6);
  done.outcome = Outcome{};
  EXPECT_FALSE(labeller.open(done).has_value());
}

TEST(OutcomeLabeller, BoundsOpenPatternsDroppingTheOldest) {
  OutcomeLabeller labeller(LabellerOptions{seconds(60), seconds(30), 2});
  ASSERT_TRUE(labeller.open(open_pattern("a", "db", 1e6)).has_value());
  ASSERT_TRUE(labeller.open(open_pattern("b", "db", 1e6)).has_value());
  ASSERT_TRUE(labeller.open(open_pattern("c", "db", 1e6)).has_value());
  EXPECT_EQ(labeller.open_count(), 2U);
  EXPECT_EQ(labeller.drop_stale(kT0), std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace augur::predict
