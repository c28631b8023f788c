#include "augur/drift/detector.h"

#include <gtest/gtest.h>

namespace augur::drift {
namespace {

DetectorParams cusum() {
  return detector_params(config::DriftSection{});  // slack 0.5, limit 5, hold 30
}

TEST(SequentialDetector, IgnoresASingleSpikeBelowTheCusumLimit) {
  SequentialDetector d(cusum());
  EXPECT_EQ(d.step(0.8), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(6.0), DetectorStep::kQuiet);  // adds 4.5 < 5
  EXPECT_TRUE(d.suspect());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.step(0.5), DetectorStep::kQuiet);
  EXPECT_FALSE(d.suspect());
}

TEST(SequentialDetector, OpensAfterTheSustainedExcessReachesTheLimit) {
  SequentialDetector d(cusum());
  // r = 2.5 adds 1 per tick: the 5th tick reaches the limit of 5.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(d.step(2.5), DetectorStep::kQuiet) << i;
  EXPECT_EQ(d.step(2.5), DetectorStep::kStarted);
  EXPECT_TRUE(d.in_episode());
  EXPECT_EQ(d.step(2.5), DetectorStep::kOngoing);
}

TEST(SequentialDetector, EndsOnlyAfterHoldTicksBelowTheThreshold) {
  DetectorParams p = cusum();
  p.end_hold_ticks = 10;
  SequentialDetector d(p);
  for (int i = 0; i < 5; ++i) (void)d.step(2.5);
  ASSERT_TRUE(d.in_episode());
  // Hovering around the threshold never closes it: no flapping.
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(d.step(i % 5 == 4 ? 1.2 : 0.7), DetectorStep::kOngoing) << i;
  }
  for (int i = 0; i < 9; ++i) EXPECT_EQ(d.step(0.7), DetectorStep::kOngoing);
  EXPECT_EQ(d.step(0.7), DetectorStep::kEnded);
  EXPECT_FALSE(d.in_episode());
  EXPECT_FALSE(d.suspect());
  EXPECT_EQ(d.step(0.7), DetectorStep::kQuiet);
}

TEST(SequentialDetector, KOfNOpensOnKExceedancesWithinN) {
  config::DriftSection c;
  c.rule = config::SequentialRule::kKOfN;
  c.k = 3;
  c.n = 5;
  SequentialDetector d(detector_params(c));
  const double hi = 1.0 + c.cusum_slack + 0.1;
  EXPECT_EQ(d.step(hi), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(0.5), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(0.5), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(0.5), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(hi), DetectorStep::kQuiet);  // the first one left the window
  EXPECT_EQ(d.step(0.5), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(hi), DetectorStep::kQuiet);
  EXPECT_EQ(d.step(hi), DetectorStep::kStarted);  // 3 of the last 5
}

}  // namespace
}  // namespace augur::drift
