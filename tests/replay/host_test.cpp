// The simulated host: grid, initial allocations, floors, capacity and horizon, on hand-made
// traces whose answers follow from EVALUATION.md by hand.
#include "augur/replay/host.h"

#include <gtest/gtest.h>

#include <cmath>

#include "replay_test_util.h"

namespace augur::replay {
namespace {

using test::kGiB;

constexpr std::size_t kCpu = 0, kMemory = 1, kDisk = 2, kNetwork = 3;

TEST(HostModel, InitialAllocationsFollowTheEvaluationRules) {
  // Two days of 5-minute rows: the first day is rows 0..287 (timestamps < 86400).
  test::Series vm;
  vm.cpu = test::repeat(1.0, 576);
  vm.cpu_capacity = 2;
  vm.memory = test::repeat(1 * kGiB, 576);
  vm.memory_capacity = 4 * kGiB;
  for (std::size_t k = 0; k < 576; ++k) vm.disk.push_back(k < 288 ? (k + 1) * 1e5 : 1e9);
  vm.network = test::repeat(0.0, 576);
  test::Series ct;  // no capacity: first-day mean x 1.25
  for (std::size_t k = 0; k < 576; ++k) ct.cpu.push_back(k < 144 ? 1.0 : (k < 288 ? 3.0 : 100.0));
  auto host = build_host(test::make_trace(
      {test::make_instance("vm", vm), test::make_instance("ct", ct)}, "bitbrains"));
  ASSERT_TRUE(host.has_value()) << host.error().message();
  ASSERT_EQ(host->instances.size(), 2u);
  const HostInstance& a = host->instances[0];
  const HostInstance& b = host->instances[1];
  EXPECT_DOUBLE_EQ(a.initial.values[kCpu], 2.0);
  EXPECT_EQ(a.initial_rule[kCpu], InitialRule::kProvisioned);
  EXPECT_DOUBLE_EQ(a.initial.values[kMemory], 4 * kGiB);
  // p95 by nearest rank of 1e5..288e5: rank ceil(0.95 * 288) = 274.
  EXPECT_DOUBLE_EQ(a.initial.values[kDisk], 274 * 1e5);
  EXPECT_EQ(a.initial_rule[kDisk], InitialRule::kFirstDayP95);
  // No first-day network traffic: the floor.
  EXPECT_DOUBLE_EQ(a.initial.values[kNetwork], kFloorBytesPerS);
  EXPECT_EQ(a.initial_rule[kNetwork], InitialRule::kFloor);
  // (144 x 1 + 144 x 3) / 288 = 2, x 1.25; the second day's 100 is not in it.
  EXPECT_DOUBLE_EQ(b.initial.values[kCpu], 2.5);
  EXPECT_EQ(b.initial_rule[kCpu], InitialRule::kFirstDayMean);
  EXPECT_FALSE(b.simulated.test(kMemory));
  EXPECT_TRUE(std::isnan(b.initial.values[kMemory]));

  EXPECT_DOUBLE_EQ(host->capacity.values[kCpu], 1.5 * (2.0 + 2.5));
  EXPECT_DOUBLE_EQ(host->capacity.values[kMemory], 1.5 * 4 * kGiB);
  EXPECT_DOUBLE_EQ(host->capacity.values[kDisk], 1.5 * 274e5);
  EXPECT_DOUBLE_EQ(host->capacity.values[kNetwork], 1.5 * kFloorBytesPerS);
  EXPECT_EQ(host->step, std::chrono::seconds(300));
  EXPECT_EQ(host->horizon_steps, 6u);
  EXPECT_EQ(host->ticks, 576u);
  EXPECT_DOUBLE_EQ(host->floor.values[kCpu], kFloorCpuCores);
  EXPECT_DOUBLE_EQ(host->floor.values[kMemory], kFloorMemoryBytes);
}

TEST(HostModel, CapacityFactorScalesTheHostCapacity) {
  test::Series s;
  s.cpu = test::repeat(1.0, 10);
  s.cpu_capacity = 2;
  HostOptions o;
  o.host_capacity_factor = 3;
  auto host = build_host(test::make_trace({test::make_instance("a", s)}), o);
  ASSERT_TRUE(host.has_value());
  EXPECT_DOUBLE_EQ(host->capacity.values[kCpu], 6.0);
}

TEST(HostModel, AlibabaMachineSizeIsNotAnAllocation) {
  test::Series s;
  s.cpu = test::repeat(40.0, 10);
  s.cpu_capacity = 96;  // the machine's cores (machine_meta)
  auto host = build_host(test::make_trace({test::make_instance("m_1", s, 60)}, "alibaba-machine"));
  ASSERT_TRUE(host.has_value());
  EXPECT_DOUBLE_EQ(host->instances[0].initial.values[kCpu], 40.0 * 1.25);
  EXPECT_EQ(host->step, std::chrono::seconds(60));
  EXPECT_EQ(host->horizon_steps, 30u);  // 30 minutes of 60 s steps
}

TEST(HostModel, NormalisedResourcesUseTheNormalisedFloor) {
  test::Series s;
  s.memory = test::repeat(0.5, 10);
  s.disk = test::repeat(0.0001, 10);
  auto in = test::make_instance("m", s, 60);
  in.normalised.set(static_cast<std::size_t>(Metric::kMemoryBytes));
  in.normalised.set(static_cast<std::size_t>(Metric::kDiskReadBytes));
  auto host = build_host(test::make_trace({in}, "alibaba-machine"));
  ASSERT_TRUE(host.has_value());
  const HostInstance& h = host->instances[0];
  EXPECT_TRUE(h.normalised.test(kMemory));
  EXPECT_DOUBLE_EQ(h.initial.values[kMemory], 0.5 * 1.25);
  EXPECT_DOUBLE_EQ(h.initial.values[kDisk], kFloorNormalised);  // p95 1e-4 is below it
  EXPECT_DOUBLE_EQ(host->floor.values[kMemory], kFloorNormalised);
  EXPECT_TRUE(std::isnan(host->floor.values[kCpu]));  // no instance has CPU
}

TEST(HostModel, RowsGoToTheNearestTickAndOutagesLeaveTicksEmpty) {
  test::Series s;
  s.cpu = {1, 2, 3, 4, 5};
  auto a = test::make_instance("a", s);
  a.timestamps_s = {1000, 1300, 1601, 2190, 2200};  // 2190 and 2200 both round to tick 4
  test::Series s2;
  s2.cpu = {7, 8, 9};
  auto b = test::make_instance("b", s2, 300, 4000);  // ticks 10, 11, 12
  auto host = build_host(test::make_trace({a, b}));
  ASSERT_TRUE(host.has_value()) << host.error().message();
  EXPECT_EQ(host->start_s, 1000);
  EXPECT_EQ(host->ticks, 13u);
  const HostInstance& ha = host->instances[0];
  EXPECT_EQ(ha.first_tick, 0u);
  EXPECT_EQ(ha.last_tick, 4u);
  EXPECT_EQ(ha.present, (std::vector<std::uint8_t>{1, 1, 1, 0, 1}));
  EXPECT_TRUE(std::isnan(ha.demand_at(Resource::kCpu, 3)));  // the outage
  EXPECT_DOUBLE_EQ(ha.demand_at(Resource::kCpu, 4), 5.0);    // the later row is kept
  EXPECT_EQ(host->grid.rows_merged, 1u);
  EXPECT_EQ(host->grid.rows_placed, 7u);
  EXPECT_EQ(host->instances[1].first_tick, 10u);
  EXPECT_TRUE(std::isnan(host->instances[1].demand_at(Resource::kCpu, 9)));  // not alive
  EXPECT_EQ(host->time_s(10), 4000);
}

TEST(HostModel, InstanceWithAnotherStepIsSkippedWithTheReason) {
  test::Series s;
  s.cpu = test::repeat(1.0, 5);
  auto host = build_host(
      test::make_trace({test::make_instance("a", s, 300), test::make_instance("b", s, 300),
                        test::make_instance("fast", s, 30)}));
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->instances.size(), 2u);
  ASSERT_EQ(host->grid.skipped_instances.size(), 1u);
  EXPECT_NE(host->grid.skipped_instances[0].find("fast: step 30 s"), std::string::npos);
}

TEST(HostModel, InstanceWithAStrayFarTimestampIsSkippedNotAllocated) {
  test::Series s;
  s.cpu = test::repeat(1.0, 5);
  auto stray = test::make_instance("stray", s, 300);
  stray.timestamps_s.back() = 4'000'000'000'000;  // 13 billion steps after the start
  auto host = build_host(test::make_trace({test::make_instance("a", s, 300), stray}));
  ASSERT_TRUE(host.has_value()) << host.error().message();
  EXPECT_EQ(host->instances.size(), 1u);
  EXPECT_EQ(host->ticks, 5u);
  ASSERT_EQ(host->grid.skipped_instances.size(), 1u);
  EXPECT_NE(host->grid.skipped_instances[0].find("stray: ends 13333333333 steps"),
            std::string::npos)
      << host->grid.skipped_instances[0];
}

TEST(HostModel, NothingToReplayIsAnError) {
  auto host = build_host(test::make_trace({}));
  EXPECT_FALSE(host.has_value());
  test::Series empty;
  empty.cpu = {kUnknown, kUnknown};
  EXPECT_FALSE(build_host(test::make_trace({test::make_instance("x", empty)})).has_value());
}

TEST(HostModel, HorizonIsSixStepsAtFiveMinutesElseThirtyMinutes) {
  EXPECT_EQ(horizon_steps_for(std::chrono::seconds(300)), 6u);
  EXPECT_EQ(horizon_steps_for(std::chrono::seconds(60)), 30u);
  EXPECT_EQ(horizon_steps_for(std::chrono::seconds(30)), 60u);
  EXPECT_EQ(horizon_steps_for(std::chrono::seconds(3600)), 1u);
}

TEST(HostModel, NearestRankQuantile) {
  std::vector<double> v{5, 1, 4, 2, 3};
  EXPECT_DOUBLE_EQ(nearest_rank_quantile(v, 0.95), 5);  // rank ceil(4.75) = 5
  EXPECT_DOUBLE_EQ(nearest_rank_quantile(v, 0.5), 3);   // rank ceil(2.5) = 3
  EXPECT_DOUBLE_EQ(nearest_rank_quantile(v, 0.2), 1);   // rank 1
  std::vector<double> none;
  EXPECT_TRUE(std::isnan(nearest_rank_quantile(none, 0.5)));
}

}  // namespace
}  // namespace augur::replay
