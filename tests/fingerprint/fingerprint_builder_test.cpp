#include "augur/fingerprint/fingerprint_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace augur::fingerprint {
namespace {

std::size_t idx(std::string_view name) {
  const auto i = feature_index(name);
  EXPECT_TRUE(i.has_value()) << name;
  return i.value_or(0);
}

double value(const Fingerprint& fp, std::string_view name) {
  return fp.values[idx(name)];
}
bool present(const Fingerprint& fp, std::string_view name) {
  return fp.present[idx(name)];
}

Sample cpu_sample(double cores) {
  Sample s;
  s.instance_id = "vm-1";
  s.set(Metric::kCpuUsageCores, cores);
  return s;
}

// Reference statistics computed the slow, obvious way.
double ref_mean(const std::vector<double>& x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
double ref_std(const std::vector<double>& x) {
  const double m = ref_mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size() - 1));
}
double ref_p95(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  const double h = 0.95 * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - std::floor(h)) * (x[hi] - x[lo]);
}
double ref_slope(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  double st = 0, sx = 0, stt = 0, stx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i);
    st += t;
    sx += x[i];
    stt += t * t;
    stx += t * x[i];
  }
  return (n * stx - st * sx) / (n * stt - st * st);
}

TEST(FingerprintBuilder, ComputesTheFiveStatisticsOverTheNewestWindow) {
  std::mt19937_64 rng(42);
  std::gamma_distribution<double> noise(4.0, 0.5);
  FingerprintBuilder builder("vm-1", 100);
  std::vector<double> all;
  for (int t = 0; t < 150; ++t) {  // wraps the ring
    all.push_back(noise(rng) + 0.01 * t);
    builder.push(cpu_sample(all.back()));
  }
  const std::vector<double> window(all.end() - 60, all.end());
  const Fingerprint fp = builder.compute(60);
  EXPECT_EQ(fp.feature_table_version, kFeatureTableVersion);
  ASSERT_EQ(fp.values.size(), kFeatureCount);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.mean"), ref_mean(window), 1e-12);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.std"), ref_std(window), 1e-12);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.p95"), ref_p95(window), 1e-12);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.trend"), ref_slope(window) * 59, 1e-9);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.burstiness"),
              *std::max_element(window.begin(), window.end()) / ref_mean(window), 1e-12);
}

TEST(FingerprintBuilder, SkipsMissingTicksInEveryStatistic) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(5.0, 1.0);
  std::bernoulli_distribution missing(0.2);
  FingerprintBuilder builder("vm-1", 60);
  std::vector<double> t_present;
  std::vector<double> x_present;
  for (int t = 0; t < 60; ++t) {
    Sample s;
    s.instance_id = "vm-1";
    const double v = noise(rng) + 0.05 * t;
    if (!missing(rng)) {
      s.set(Metric::kCpuUsageCores, v);
      t_present.push_back(t);
      x_present.push_back(v);
    }
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  // Least squares against the ticks' own indices.
  const double mt = ref_mean(t_present);
  const double mx = ref_mean(x_present);
  double stx = 0, stt = 0;
  for (std::size_t i = 0; i < t_present.size(); ++i) {
    stx += (t_present[i] - mt) * (x_present[i] - mx);
    stt += (t_present[i] - mt) * (t_present[i] - mt);
  }
  EXPECT_NEAR(value(fp, "cpu_usage_cores.mean"), mx, 1e-12);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.std"), ref_std(x_present), 1e-12);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.p95"), ref_p95(x_present), 1e-12);
  EXPECT_NEAR(value(fp, "cpu_usage_cores.trend"), stx / stt * 59, 1e-9);
}

TEST(FingerprintBuilder, ComputesTheP95OfLongWindowsExactly) {
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> noise(2.0);
  FingerprintBuilder builder("vm-1", 3600);
  std::vector<double> all;
  for (int t = 0; t < 3600; ++t) {
    all.push_back(noise(rng));
    builder.push(cpu_sample(all.back()));
  }
  for (std::size_t w : {60u, 600u, 3600u}) {
    const std::vector<double> window(all.end() - static_cast<std::ptrdiff_t>(w), all.end());
    EXPECT_NEAR(value(builder.compute(w), "cpu_usage_cores.p95"), ref_p95(window), 1e-12) << w;
  }
}

TEST(FingerprintBuilder, TrendIsTheFittedChangeAcrossTheWindowWhateverItsLength) {
  FingerprintBuilder builder("vm-1", 600);
  for (int t = 0; t < 600; ++t) builder.push(cpu_sample(1.0 + 0.002 * t));
  EXPECT_NEAR(value(builder.compute(60), "cpu_usage_cores.trend"), 0.002 * 59, 1e-9);
  EXPECT_NEAR(value(builder.compute(600), "cpu_usage_cores.trend"), 0.002 * 599, 1e-9);
}

TEST(FingerprintBuilder, DerivesIpcAndMissesPerKiloInstruction) {
  FingerprintBuilder builder("vm-1", 60);
  for (int t = 0; t < 60; ++t) {
    Sample s = cpu_sample(1.0);
    s.set(Metric::kCycles, 2e9);
    s.set(Metric::kInstructions, 3e9);
    s.set(Metric::kCacheMisses, 6e6);
    s.set(Metric::kBranchMisses, 1.5e6);
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  EXPECT_DOUBLE_EQ(value(fp, "ipc.mean"), 1.5);
  EXPECT_DOUBLE_EQ(value(fp, "cache_mpki.mean"), 2.0);
  EXPECT_DOUBLE_EQ(value(fp, "branch_mpki.mean"), 0.5);
}

TEST(FingerprintBuilder, MasksFeaturesAHostCannotMeasureInsteadOfZeroing) {
  FingerprintBuilder builder("vm-1", 60);
  for (int t = 0; t < 60; ++t) {
    Sample s = cpu_sample(1.0 + 0.1 * (t % 3));
    s.mark_missing(Metric::kCycles, "no PMU");
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  EXPECT_TRUE(present(fp, "cpu_usage_cores.mean"));
  for (std::string_view name : {"ipc.mean", "ipc.p95", "cache_mpki.std", "branch_mpki.mean",
                                "memory_bytes.growth", "vcpu_util_max.mean"}) {
    EXPECT_FALSE(present(fp, name)) << name;
  }
}

TEST(FingerprintBuilder, MasksASeriesPresentInFewerThanHalfTheWindow) {
  FingerprintBuilder builder("vm-1", 60);
  for (int t = 0; t < 60; ++t) {
    Sample s = cpu_sample(1.0);
    if (t % 3 == 0) s.set(Metric::kContextSwitches, 100.0);  // 20 of 60 ticks
    if (t % 2 == 0) s.set(Metric::kPageFaults, 50.0);        // 30 of 60 ticks
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  EXPECT_FALSE(present(fp, "context_switches.mean"));
  EXPECT_TRUE(present(fp, "page_faults.mean"));
  EXPECT_DOUBLE_EQ(value(fp, "page_faults.mean"), 50.0);
}

TEST(FingerprintBuilder, AggregatesVcpusAsMeanAndMaxPerTick) {
  FingerprintBuilder builder("vm-1", 60);
  for (int t = 0; t < 60; ++t) {
    Sample s = cpu_sample(1.0);
    s.vcpu_utilisation = {0.2, 0.9, 0.4, t % 2 == 0 ? 0.1 : 0.5};
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  EXPECT_NEAR(value(fp, "vcpu_util_mean.mean"), (1.5 + 0.3) / 4, 1e-12);
  EXPECT_NEAR(value(fp, "vcpu_util_max.mean"), 0.9, 1e-12);
}

TEST(FingerprintBuilder, DescribesTheIoMixAndMemoryGrowth) {
  FingerprintBuilder builder("vm-1", 60);
  for (int t = 0; t < 60; ++t) {
    Sample s = cpu_sample(1.0);
    s.set(Metric::kDiskReadBytes, 3e6);
    s.set(Metric::kDiskWriteBytes, 1e6);
    s.set(Metric::kDiskReadOps, 700);
    s.set(Metric::kDiskWriteOps, 300);
    s.set(Metric::kMemoryBytes, 1e9 + 1e6 * t);
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  EXPECT_DOUBLE_EQ(value(fp, "disk_read_share.mean"), 0.75);
  EXPECT_DOUBLE_EQ(value(fp, "disk_bytes_per_op.mean"), 4000.0);
  EXPECT_NEAR(value(fp, "memory_bytes.growth"), 59e6 / (1e9 + 29.5e6), 1e-9);
}

TEST(FingerprintBuilder, LeavesTheIoMixUndefinedWithoutIo) {
  FingerprintBuilder builder("vm-1", 60);
  for (int t = 0; t < 60; ++t) {
    Sample s = cpu_sample(1.0);
    for (Metric m : {Metric::kDiskReadBytes, Metric::kDiskWriteBytes, Metric::kDiskReadOps,
                     Metric::kDiskWriteOps}) {
      s.set(m, 0.0);
    }
    builder.push(s);
  }
  const Fingerprint fp = builder.compute(60);
  EXPECT_TRUE(present(fp, "disk_bytes.mean"));
  EXPECT_FALSE(present(fp, "disk_bytes.burstiness"));  // mean 0: max/mean undefined
  EXPECT_FALSE(present(fp, "disk_read_share.mean"));
  EXPECT_FALSE(present(fp, "disk_bytes_per_op.mean"));
}

}  // namespace
}  // namespace augur::fingerprint
