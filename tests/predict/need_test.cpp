#include "augur/predict/need.h"

#include <gtest/gtest.h>

#include <chrono>

#include "augur/predict/outcome_labeller.h"

namespace augur::predict {
namespace {

using std::chrono::seconds;

Sample cpu_sample(SteadyTime at, double usage_cores, double throttled_share, double cap_cores) {
  Sample s;
  s.instance_id = "capped";
  s.at = at;
  s.elapsed = seconds(10);
  s.allocation[Resource::kCpu] = cap_cores;
  s.set(Metric::kCpuUsageCores, usage_cores);
  s.set(Metric::kCpuThrottledShare, throttled_share);
  return s;
}

TEST(NeedFromSample, AddsThrottledTimeAtTheCapToCpuUsage) {
  const Need need = need_from_sample(cpu_sample(SteadyTime{}, 1.9, 0.5, 2.0));
  EXPECT_DOUBLE_EQ(need.resources[Resource::kCpu], 1.9 + 0.5 * 2.0);
}

TEST(NeedFromSample, TakesTheLargestOfOverlappingStallSignals) {
  Sample s = cpu_sample(SteadyTime{}, 1.0, 0.1, 2.0);  // throttling says 0.2 cores
  s.set(Metric::kRunqueueWaitShare, 0.7);              // run-queue wait says 0.7 cores
  s.set(Metric::kCpuPressureSome, 0.4);                // PSI says at least 0.4 cores
  EXPECT_DOUBLE_EQ(need_from_sample(s).resources[Resource::kCpu], 1.0 + 0.7);
}

TEST(NeedFromSample, InflatesMemoryByItsPressureShare) {
  Sample s;
  s.set(Metric::kMemoryBytes, 1e9);
  s.set(Metric::kMemoryPressureSome, 0.25);
  EXPECT_DOUBLE_EQ(need_from_sample(s).resources[Resource::kMemory], 1.25e9);
}

// A VM: the host RSS counts QEMU's own memory and every guest page ever touched; the balloon
// (its allocation) is measured against what the guest uses.
TEST(NeedFromSample, AVmsMemoryNeedIsWhatItsGuestUsesNotTheHostRss) {
  Sample s;
  s.set(Metric::kMemoryBytes, 300e6);
  s.set(Metric::kGuestMemoryUsedBytes, 120e6);
  EXPECT_DOUBLE_EQ(need_from_sample(s).resources[Resource::kMemory], 120e6);
  Sample container;
  container.set(Metric::kMemoryBytes, 300e6);
  EXPECT_DOUBLE_EQ(need_from_sample(container).resources[Resource::kMemory], 300e6);
}

TEST(NeedFromSample, SumsDiskAndNetworkDirectionsAndKeepsDiskOpsApart) {
  Sample s;
  s.set(Metric::kDiskReadBytes, 3e6);
  s.set(Metric::kDiskWriteBytes, 1e6);
  s.set(Metric::kDiskReadOps, 300);
  s.set(Metric::kDiskWriteOps, 100);
  s.set(Metric::kNetRxBytes, 5e5);
  s.set(Metric::kNetTxBytes, 2e5);
  const Need need = need_from_sample(s);
  EXPECT_DOUBLE_EQ(need.resources[Resource::kDisk], 4e6);
  EXPECT_DOUBLE_EQ(need.disk_ops_per_s, 400);
  EXPECT_DOUBLE_EQ(need.resources[Resource::kNetwork], 7e5);
}

TEST(NeedFromSample, LeavesResourcesWithoutUsageUnknownNotZero) {
  Sample s;
  s.set(Metric::kCpuPressureSome, 0.3);  // a stall signal alone is not a usage
  const Need need = need_from_sample(s);
  for (Resource r : kAllResources) EXPECT_FALSE(need.resources.known(r)) << resource_name(r);
  EXPECT_TRUE(std::isnan(need.disk_ops_per_s));
}

TEST(OutcomeLabeller, CpuCappedWorkloadIsLabelledWithNeedAboveItsCap) {
  // A 2-core cap; at the episode start the workload uses 1 core unthrottled, then it hits
  // the cap and is throttled 60% of the time: it wanted more than the 2 cores it got.
  const double cap_cores = 2.0;
  const SteadyTime t0 = SteadyTime{} + std::chrono::hours(1);
  OutcomeLabeller labeller(LabellerOptions{seconds(60), seconds(10), 100});
  Pattern p;
  p.id = "ep-1";
  p.instance_id = "capped";
  p.start = t0;
  p.need_at_start = need_from_sample(cpu_sample(t0, 1.0, 0.0, cap_cores));
  ASSERT_TRUE(labeller.open(p).has_value());
  LabelEvents events;
  for (int i = 1; i <= 6; ++i) {
    events = labeller.observe(cpu_sample(t0 + seconds(10 * i), 2.0, 0.6, cap_cores), 42);
  }
  ASSERT_EQ(events.labelled.size(), 1U);
  const Outcome& outcome = *events.labelled[0].outcome;
  const double peak_need = outcome.increase[Resource::kCpu] + 1.0;
  EXPECT_GT(peak_need, cap_cores);
  EXPECT_DOUBLE_EQ(outcome.increase[Resource::kCpu], (2.0 + 0.6 * cap_cores) - 1.0);
  EXPECT_EQ(outcome.labelled_unix_ms, 42);
}

}  // namespace
}  // namespace augur::predict
