#include "augur/sampling/usage/rates.h"

#include <gtest/gtest.h>

#include <cmath>

namespace augur::sampling {
namespace {

using namespace std::chrono_literals;

std::string reason(const Sample& s, Metric m) {
  for (const auto& [metric, why] : s.missing_reasons) {
    if (metric == m) return why;
  }
  return "<no reason>";
}

UsageRaw reading(std::uint64_t cpu_ns, std::uint64_t faults) {
  UsageRaw r;
  r.cpu_usage_ns.set(cpu_ns);
  r.cpu_throttled_ns.set(cpu_ns / 10);
  r.cpu_periods.set(cpu_ns / 1000);
  r.cpu_throttled_periods.set(cpu_ns / 4000);
  r.memory_bytes.set(1 << 20);
  r.memory_anon_bytes.set(1 << 19);
  r.memory_file_bytes.set(1 << 18);
  r.major_faults.set(faults);
  r.disk_read_bytes.set(cpu_ns);
  r.disk_write_bytes.set(cpu_ns * 2);
  r.disk_read_ops.set(faults);
  r.disk_write_ops.set(faults);
  for (auto* p : {&r.cpu_pressure, &r.memory_pressure, &r.io_pressure}) {
    p->some_usec.set(cpu_ns / 1000 / 4);  // stalled a quarter of the CPU time, in µs
    p->full_usec.set(cpu_ns / 1000 / 8);
  }
  r.threads.set({{10, 0, cpu_ns / 2}, {11, 0, cpu_ns / 2}});
  r.net_rx_bytes.set(faults * 100);
  r.net_tx_bytes.set(faults * 200);
  r.net_rx_packets.set(faults);
  r.net_tx_packets.set(faults * 2);
  r.cpu_limit_cores.set(1.5);
  r.memory_limit_bytes.missing_reason = "unlimited";
  return r;
}

TEST(UsageRates, DerivesEveryMetricFromCounterDeltasOverElapsed) {
  const UsageRaw a = reading(1'000'000'000, 100);
  const UsageRaw b = reading(1'500'000'000, 150);  // +0.5 s CPU, +50 faults over 2 s
  Sample s;
  derive_usage_rates(a, b, 2s, s);
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuUsageCores), 0.25);
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuThrottledShare), 0.025);
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuThrottledPeriodsShare), 0.25);
  EXPECT_DOUBLE_EQ(s.get(Metric::kRunqueueWaitShare), 0.25);  // two threads, 0.25 s each over 2 s
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuPressureSome), 0.0625);
  EXPECT_DOUBLE_EQ(s.get(Metric::kIoPressureFull), 0.03125);
  EXPECT_DOUBLE_EQ(s.get(Metric::kMemoryBytes), 1 << 20);
  EXPECT_DOUBLE_EQ(s.get(Metric::kMemoryFileBytes), 1 << 18);
  EXPECT_DOUBLE_EQ(s.get(Metric::kMajorFaults), 25.0);
  EXPECT_DOUBLE_EQ(s.get(Metric::kDiskReadBytes), 250'000'000.0);
  EXPECT_DOUBLE_EQ(s.get(Metric::kDiskWriteBytes), 500'000'000.0);
  EXPECT_DOUBLE_EQ(s.get(Metric::kNetTxBytes), 5000.0);
  EXPECT_DOUBLE_EQ(s.get(Metric::kNetTxPackets), 50.0);
  EXPECT_TRUE(s.missing_reasons.empty());
  EXPECT_DOUBLE_EQ(s.allocation[Resource::kCpu], 1.5);
  EXPECT_TRUE(std::isnan(s.allocation[Resource::kMemory])) << "unlimited is NaN";
}

TEST(UsageRates, CounterResetOrWrapIsMissingForThatTickNeverNegativeOrHuge) {
  const UsageRaw a = reading(5'000'000'000, 500);
  const UsageRaw b = reading(1'000'000'000, 10);
  Sample s;
  derive_usage_rates(a, b, 1s, s);
  for (Metric m :
       {Metric::kCpuUsageCores, Metric::kMajorFaults, Metric::kDiskReadBytes, Metric::kNetRxBytes,
        Metric::kCpuPressureSome, Metric::kCpuThrottledPeriodsShare}) {
    EXPECT_FALSE(s.has(m)) << metric_name(m);
    EXPECT_EQ(reason(s, m), "counter reset") << metric_name(m);
  }
  EXPECT_FALSE(s.has(Metric::kRunqueueWaitShare)) << "every thread's counter went backwards";
  EXPECT_TRUE(s.has(Metric::kMemoryBytes)) << "gauges do not depend on the previous reading";
}

TEST(UsageRates, ElapsedZeroMakesRatesMissingButKeepsGauges) {
  const UsageRaw a = reading(1'000, 1);
  const UsageRaw b = reading(2'000, 2);
  Sample s;
  derive_usage_rates(a, b, 0ns, s);
  EXPECT_FALSE(s.has(Metric::kCpuUsageCores));
  EXPECT_EQ(reason(s, Metric::kCpuUsageCores), "elapsed time is zero");
  EXPECT_EQ(reason(s, Metric::kRunqueueWaitShare), "elapsed time is zero");
  EXPECT_TRUE(s.has(Metric::kMemoryAnonBytes));
  Sample negative;
  derive_usage_rates(a, b, -1s, negative);
  EXPECT_FALSE(negative.has(Metric::kDiskWriteOps));
}

TEST(UsageRates, MissingStaysMissingWithItsReason) {
  UsageRaw a = reading(1'000, 1);
  UsageRaw b = reading(2'000, 2);
  b.disk_read_bytes.set_missing("open: /cg/io.stat: No such file or directory");
  b.memory_bytes.set_missing("no cgroup with the memory controller for the instance");
  b.threads.set_missing("instance has no thread ids");
  Sample s;
  derive_usage_rates(a, b, 1s, s);
  EXPECT_EQ(reason(s, Metric::kDiskReadBytes), "open: /cg/io.stat: No such file or directory");
  EXPECT_EQ(reason(s, Metric::kMemoryBytes),
            "no cgroup with the memory controller for the instance");
  EXPECT_EQ(reason(s, Metric::kRunqueueWaitShare), "instance has no thread ids");
  EXPECT_TRUE(s.has(Metric::kDiskWriteBytes));
}

TEST(UsageRates, FirstTickHasNoPreviousReading) {
  UsageRaw first;  // nothing yet
  first.cpu_usage_ns.set_missing("not read yet");
  Sample s;
  derive_usage_rates(first, reading(1'000, 1), 1s, s);
  EXPECT_EQ(reason(s, Metric::kCpuUsageCores), "no previous reading");
  EXPECT_TRUE(s.has(Metric::kMemoryBytes));
}

TEST(UsageRates, NoCfsPeriodElapsedMeansNothingThrottled) {
  UsageRaw a = reading(1'000, 1);
  UsageRaw b = a;
  Sample s;
  derive_usage_rates(a, b, 1s, s);
  ASSERT_TRUE(s.has(Metric::kCpuThrottledPeriodsShare));
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuThrottledPeriodsShare), 0.0);
}

TEST(UsageRates, RunqueueWaitCountsOnlyThreadsPresentInBothReadings) {
  UsageRaw a, b;
  a.threads.set({{10, 0, 100}, {11, 0, 100}, {12, 0, 5'000}});
  b.threads.set({{10, 0, 600}, {12, 0, 10}, {13, 0, 900'000}});  // 11 left, 12 reused, 13 new
  Sample s;
  derive_usage_rates(a, b, 1000ns, s);
  ASSERT_TRUE(s.has(Metric::kRunqueueWaitShare));
  EXPECT_DOUBLE_EQ(s.get(Metric::kRunqueueWaitShare), 0.5);
  b.threads.set({{20, 0, 1}});
  Sample none;
  derive_usage_rates(a, b, 1s, none);
  EXPECT_EQ(reason(none, Metric::kRunqueueWaitShare), "no thread present in both readings");
}

TEST(UsageRates, PressureShareIsClampedToOneAgainstReadSkew) {
  UsageRaw a, b;
  a.cpu_pressure.some_usec.set(0);
  b.cpu_pressure.some_usec.set(1'000'100);  // 1.0001 s stalled over 1 s
  Sample s;
  derive_usage_rates(a, b, 1s, s);
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuPressureSome), 1.0);
}

TEST(ThreadUtilisation, RunTimeOverElapsedPerThreadInTheOrderAsked) {
  UsageRaw a, b;
  a.threads.set({{10, 100, 0}, {11, 0, 0}, {12, 500, 0}});
  b.threads.set({{10, 600, 0}, {11, 2'000, 0}, {12, 400, 0}});
  const auto u = derive_thread_utilisation(a, b, 1000ns, {11, 10, 12, 13});
  ASSERT_EQ(u.size(), 4u);
  EXPECT_DOUBLE_EQ(u[0], 1.0) << "clamped: one thread, one CPU";
  EXPECT_DOUBLE_EQ(u[1], 0.5);
  EXPECT_TRUE(std::isnan(u[2])) << "counter went backwards";
  EXPECT_TRUE(std::isnan(u[3])) << "not read";
  EXPECT_TRUE(std::isnan(derive_thread_utilisation(a, b, 0ns, {10})[0]));
}

TEST(UsageRates, LeavesPerfMetricsAndIdentityAlone) {
  Sample s;
  s.instance_id = "vm-1";
  s.set(Metric::kInstructions, 42.0);
  derive_usage_rates(reading(1, 1), reading(2, 2), 1s, s);
  EXPECT_EQ(s.instance_id, "vm-1");
  EXPECT_DOUBLE_EQ(s.get(Metric::kInstructions), 42.0);
}

}  // namespace
}  // namespace augur::sampling
