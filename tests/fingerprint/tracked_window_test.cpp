// The tracked window (sliding sums and a sorted copy, updated per push) gives the same
// fingerprint as a scan of the ring, on every tick, through wrap-around, missing ticks, level
// jumps of many orders of magnitude and flat stretches.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "augur/fingerprint/fingerprint_builder.h"

namespace augur::fingerprint {
namespace {

// The value of a tick: regimes of different levels and noise, some ticks missing, a few
// non-finite values (treated as missing by both paths).
class Series {
 public:
  explicit Series(std::uint64_t seed) : rng_(seed) {}
  double next(long t) {
    if (t % 700 == 0) {
      level_ = std::pow(10.0, std::uniform_real_distribution<double>(-3, 10)(rng_));
      noise_ = std::uniform_int_distribution<int>(0, 3)(rng_) == 0 ? 0.0 : 0.2;  // flat
      missing_ = std::uniform_real_distribution<double>(0, 0.6)(rng_);
    }
    if (std::bernoulli_distribution(missing_)(rng_)) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    if (t % 997 == 0) return std::numeric_limits<double>::infinity();
    return level_ * (1 + noise_ * normal_(rng_)) + 1e-4 * level_ * static_cast<double>(t % 50);
  }

 private:
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  double level_ = 1;
  double noise_ = 0.2;
  double missing_ = 0;
};

Sample sample_at(long t, Series& cpu, Series& disk, Series& memory) {
  Sample s;
  s.instance_id = "vm-1";
  auto put = [&s](Metric m, double v) {
    if (!std::isnan(v)) s.set(m, v);
  };
  put(Metric::kCpuUsageCores, cpu.next(t));
  put(Metric::kDiskReadBytes, disk.next(t));
  put(Metric::kDiskWriteBytes, disk.next(t));
  put(Metric::kMemoryBytes, memory.next(t));
  return s;
}

// Agreement to rounding: relative to the value, and for a statistic that can cancel to
// about zero (std, trend, growth of a flat stretch) to the window's own spread, times its
// length (each of its ticks rounds once).
void expect_same(const Fingerprint& tracked, const Fingerprint& scanned, long t,
                 std::size_t window) {
  ASSERT_EQ(tracked.values.size(), kFeatureCount);
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    const FeatureInfo& f = feature_table()[i];
    const std::string name(f.name);
    ASSERT_EQ(tracked.present[i], scanned.present[i]) << name << " tick " << t;
    if (!scanned.present[i]) continue;
    const double a = tracked.values[i];
    const double b = scanned.values[i];
    const std::string series(series_name(f.series));
    const double mean = std::abs(scanned.values[*feature_index(series + ".mean")]);
    const auto std_index = feature_index(series + ".std");
    // Memory has no std feature: its window's std from the scanned builder's p95 - mean is
    // not exact either, so use the sawtooth's known amplitude (1e-4 x level x 50 / sqrt(12)).
    const double spread =
        std_index && scanned.present[*std_index] ? scanned.values[*std_index] : 1.4e-3 * mean;
    const double w = static_cast<double>(window);
    double scale = 0;  // what a rounding error is relative to
    switch (f.statistic) {
      case Statistic::kBurstiness: scale = std::abs(b); break;
      case Statistic::kGrowth: scale = w * (spread + 1e-300) / mean; break;
      default: scale = w * spread + 1e-3 * mean; break;
    }
    ASSERT_NEAR(a, b, 1e-12 * std::abs(b) + 1e-9 * scale)
        << name << " tick " << t << " window " << window;
  }
}

class TrackedWindow : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TrackedWindow, EqualsAScanOfTheRingOnEveryTick) {
  const std::size_t window = GetParam();
  FingerprintBuilder tracked("vm-1", 600, window);
  FingerprintBuilder scanned("vm-1", 600);
  ASSERT_EQ(tracked.tracked_window(), window);
  Series cpu(1), disk(2), memory(3);
  Fingerprint a, b;
  const long ticks = 6000;
  for (long t = 0; t < ticks; ++t) {
    const Sample s = sample_at(t, cpu, disk, memory);
    tracked.push(s);
    scanned.push(s);
    if (t % 3 != 0 && t < ticks - 1) continue;  // every third tick keeps the test quick
    tracked.compute(window, a);
    scanned.compute(window, b);
    expect_same(a, b, t, window);
    if (HasFatalFailure()) return;
  }
  // Some features of every kind were compared.
  EXPECT_TRUE(b.present[*feature_index("cpu_usage_cores.p95")] ||
              b.present[*feature_index("memory_bytes.growth")]);
}

INSTANTIATE_TEST_SUITE_P(Windows, TrackedWindow, ::testing::Values(8, 60, 61, 600));

TEST(TrackedWindow, OtherWindowsOfTheSameBuilderStillScan) {
  FingerprintBuilder tracked("vm-1", 600, 60);
  FingerprintBuilder scanned("vm-1", 600);
  Series cpu(4), disk(5), memory(6);
  for (long t = 0; t < 1500; ++t) {
    const Sample s = sample_at(t, cpu, disk, memory);
    tracked.push(s);
    scanned.push(s);
  }
  expect_same(tracked.compute(300), scanned.compute(300), 1500, 300);
}

TEST(TrackedWindow, IsClampedToTheRingCapacity) {
  FingerprintBuilder b("vm-1", 100, 600);
  EXPECT_EQ(b.tracked_window(), 100u);
}

}  // namespace
}  // namespace augur::fingerprint
