// VPA's histogram rules (util/histogram*.go, util/decaying_histogram.go) and confidence.
#include "augur/replay/vpa.h"

#include <gtest/gtest.h>

#include <cmath>

namespace augur::replay::vpa {
namespace {

const Options kDefaults;

TEST(VpaBuckets, CpuSchemeOfTheDefaults) {
  const BucketScheme s(1000, 0.01, 1.05, kDefaults.epsilon);
  // ceil(log(1000 x 0.05 / 0.01 + 1) / log 1.05) + 1 = ceil(174.57) + 1.
  EXPECT_EQ(s.buckets(), 176u);
  EXPECT_DOUBLE_EQ(s.bucket_start(0), 0.0);
  EXPECT_NEAR(s.bucket_start(1), 0.01, 1e-15);
  EXPECT_NEAR(s.bucket_start(2), 0.01 + 0.0105, 1e-15);
  EXPECT_EQ(s.find_bucket(0.0099), 0u);
  EXPECT_EQ(s.find_bucket(0.015), 1u);  // [0.01, 0.0205)
  EXPECT_EQ(s.find_bucket(0.021), 2u);
  EXPECT_EQ(s.find_bucket(-1), 0u);
  EXPECT_EQ(s.find_bucket(1e9), 175u);  // the last bucket is unbounded
  for (std::size_t b = 1; b < s.buckets(); ++b) {
    ASSERT_EQ(s.find_bucket(s.bucket_start(b) * (1 + 1e-9)), b);
  }
}

TEST(VpaBuckets, MemorySchemeOfTheDefaults) {
  const BucketScheme s(1e12, 1e7, 1.05, kDefaults.epsilon);
  EXPECT_EQ(s.buckets(), 176u);  // the same shape, in units of 10 MB
  EXPECT_NEAR(s.bucket_start(1), 1e7, 1e-3);
}

TEST(VpaHistogram, PercentileIsTheEndOfTheBucketReachingIt) {
  const BucketScheme s(1000, 0.01, 1.05, kDefaults.epsilon);
  Histogram h(&s);
  EXPECT_TRUE(h.empty());
  EXPECT_DOUBLE_EQ(h.percentile(0.5), 0.0);
  h.add(0.5, 1);                                             // bucket 25
  h.add(2.0, 3);                                             // bucket 49
  EXPECT_DOUBLE_EQ(h.percentile(0.25), s.bucket_start(26));  // 1 of 4 reaches 1
  EXPECT_DOUBLE_EQ(h.percentile(0.26), s.bucket_start(50));
  EXPECT_DOUBLE_EQ(h.percentile(1.0), s.bucket_start(50));
  h.subtract(2.0, 3);
  EXPECT_DOUBLE_EQ(h.percentile(0.99), s.bucket_start(26));
  h.subtract(0.5, 5);  // more than it holds: the bucket goes to zero, not below
  EXPECT_TRUE(h.empty());
  h.add(5000, 1);  // the last bucket: its start (it has no end)
  EXPECT_DOUBLE_EQ(h.percentile(0.5), s.bucket_start(175));
}

TEST(VpaHistogram, WeightsBelowEpsilonAreEmpty) {
  const BucketScheme s(1000, 0.01, 1.05, 1e-4);
  Histogram h(&s);
  h.add(1.0, 0.5e-4);
  EXPECT_TRUE(h.empty());
}

TEST(VpaDecayingHistogram, ASampleOneHalfLifeNewerWeighsTwice) {
  const BucketScheme s(1000, 0.01, 1.05, kDefaults.epsilon);
  DecayingHistogram h(&s, 86400);
  h.add(1.0, 1, 0);
  h.add(2.0, 1, 86400);  // weight 2: the total is 3 and 1.0 holds a third
  EXPECT_DOUBLE_EQ(h.percentile(0.33), s.bucket_start(s.find_bucket(1.0) + 1));
  EXPECT_DOUBLE_EQ(h.percentile(0.34), s.bucket_start(s.find_bucket(2.0) + 1));
}

TEST(VpaDecayingHistogram, FarFutureSamplesRenormaliseInsteadOfOverflowing) {
  const BucketScheme s(1000, 0.01, 1.05, kDefaults.epsilon);
  DecayingHistogram h(&s, 86400);
  h.add(1.0, 1, 0);
  h.add(2.0, 1, 2000.0 * 86400);  // 2^2000 would overflow without the reference shift
  EXPECT_FALSE(h.empty());
  // The old sample decayed below epsilon: only 2.0 is left.
  EXPECT_DOUBLE_EQ(h.percentile(0.01), s.bucket_start(s.find_bucket(2.0) + 1));
  h.add(1.0, 1, 2000.0 * 86400);  // same time, same weight as 2.0
  EXPECT_DOUBLE_EQ(h.percentile(0.5), s.bucket_start(s.find_bucket(1.0) + 1));
}

TEST(VpaConfidence, IsTheSmallerOfLifespanAndMinuteSamplesInDays) {
  EXPECT_DOUBLE_EQ(confidence_days(0, 86400, 1440), 1.0);
  EXPECT_DOUBLE_EQ(confidence_days(0, 86400, 720), 0.5);
  EXPECT_DOUBLE_EQ(confidence_days(0, 43200, 1440), 0.5);
  EXPECT_DOUBLE_EQ(confidence_days(5, 5, 10), 0.0);
}

TEST(VpaOptions, AreVpasDefaults) {
  EXPECT_DOUBLE_EQ(kDefaults.half_life_s, 24 * 3600.0);
  EXPECT_DOUBLE_EQ(kDefaults.target_percentile, 0.9);
  EXPECT_DOUBLE_EQ(kDefaults.lower_percentile, 0.5);
  EXPECT_DOUBLE_EQ(kDefaults.upper_percentile, 0.95);
  EXPECT_DOUBLE_EQ(kDefaults.safety_margin, 0.15);
  EXPECT_DOUBLE_EQ(kDefaults.min_cpu_cores, 0.025);
  EXPECT_DOUBLE_EQ(kDefaults.min_memory_bytes, 250.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(kDefaults.oom_bump_ratio, 1.2);
  EXPECT_DOUBLE_EQ(kDefaults.oom_min_bump_bytes, 100.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(kDefaults.cpu_first_bucket_cores, 0.01);
  EXPECT_DOUBLE_EQ(kDefaults.memory_first_bucket_bytes, 1e7);
  EXPECT_DOUBLE_EQ(kDefaults.bucket_growth, 0.05);
}

}  // namespace
}  // namespace augur::replay::vpa
