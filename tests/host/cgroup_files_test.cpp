#include "augur/host/cgroup_files.h"

#include <gtest/gtest.h>

#include <cmath>

namespace augur::host {
namespace {

// ---- cgroup v2

TEST(CgroupV2CpuStat, ParsesUsageAndThrottling) {
  auto s = parse_cpu_stat_v2(
      "usage_usec 14000000\nuser_usec 12000000\nsystem_usec 2000000\nnice_usec 0\n"
      "nr_periods 5000\nnr_throttled 250\nthrottled_usec 3000000\nnr_bursts 0\nburst_usec 0\n");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->usage_usec, 14000000u);
  EXPECT_EQ(s->user_usec, 12000000u);
  EXPECT_EQ(s->system_usec, 2000000u);
  EXPECT_EQ(s->nr_periods, 5000u);
  EXPECT_EQ(s->nr_throttled, 250u);
  EXPECT_EQ(s->throttled_usec, 3000000u);
}

TEST(CgroupV2CpuStat, WithoutTheCpuControllerHasNoThrottlingFields) {
  auto s = parse_cpu_stat_v2("usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->nr_periods.has_value());
  EXPECT_FALSE(s->throttled_usec.has_value());
}

TEST(CgroupV2CpuStat, TruncatedMalformedOrEmptyIsAnErrorNamingTheFile) {
  for (const char* text :
       {"", "usage_usec 14000000\nuser_u", "usage_usec -1\nuser_usec 1\nsystem_usec 1\n",
        "usage_usec 1 2\n", "user_usec 1\nsystem_usec 1\n"}) {
    auto s = parse_cpu_stat_v2(text, "/cg/cpu.stat");
    ASSERT_FALSE(s.has_value()) << text;
    EXPECT_EQ(s.error().where, "/cg/cpu.stat");
  }
}

// cgroup.controllers and cgroup.subtree_control: whole names, so "cpu" is not found in
// "cpuset"; an empty file is an empty list.
TEST(CgroupV2Controllers, ListsWholeNames) {
  const ControllerList offered = parse_controller_list("cpuset cpu io memory pids\n");
  EXPECT_EQ(offered.names.size(), 5U);
  EXPECT_TRUE(offered.has("cpu"));
  EXPECT_TRUE(offered.has("memory"));
  EXPECT_EQ(offered.shown(), "cpuset cpu io memory pids");
  const ControllerList no_cpu = parse_controller_list("cpuset  io\tmemory\n");
  EXPECT_FALSE(no_cpu.has("cpu"));
  EXPECT_TRUE(no_cpu.has("io"));
  const ControllerList none = parse_controller_list("\n");
  EXPECT_TRUE(none.names.empty());
  EXPECT_EQ(none.shown(), "none");
}

TEST(CgroupV2Limits, TreatsMaxAsUnlimited) {
  EXPECT_EQ(parse_max_or_u64("max\n", "memory.max").value(), std::nullopt);
  EXPECT_EQ(parse_max_or_u64("2147483648\n", "memory.max").value(), 2147483648u);
  EXPECT_FALSE(parse_max_or_u64("maximum\n", "memory.max").has_value());
  EXPECT_FALSE(parse_max_or_u64("", "memory.max").has_value());
  EXPECT_FALSE(parse_max_or_u64("1\n2\n", "memory.max").has_value());
}

TEST(CgroupV2Limits, ParsesCpuMaxQuotaAndPeriod) {
  auto unlimited = parse_cpu_max("max 100000\n");
  ASSERT_TRUE(unlimited.has_value());
  EXPECT_FALSE(unlimited->quota_usec.has_value());
  EXPECT_EQ(unlimited->period_usec, 100000u);
  auto limited = parse_cpu_max("20000 50000\n");
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->quota_usec, 20000u);
  EXPECT_EQ(limited->period_usec, 50000u);
  EXPECT_EQ(parse_cpu_max("max\n")->period_usec, 100000u) << "period defaults to 100 ms";
  for (const char* bad : {"", "max 0\n", "1 2 3\n", "-1 100000\n", "max x\n"}) {
    EXPECT_FALSE(parse_cpu_max(bad).has_value()) << bad;
  }
}

TEST(CgroupV2IoStat, ParsesEveryDeviceAndIgnoresUnknownKeys) {
  auto s = parse_io_stat(
      "8:0 rbytes=10485760 wbytes=20971520 rios=2560 wios=5120 dbytes=0 dios=0\n"
      "253:0 rbytes=1048576 wbytes=0 rios=256 wios=0 dbytes=0 dios=0 cost.usage=7\n");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].major, 8u);
  EXPECT_EQ((*s)[0].wbytes, 20971520u);
  EXPECT_EQ((*s)[1].major, 253u);
  EXPECT_EQ((*s)[1].rios, 256u);
}

TEST(CgroupV2IoStat, EmptyFileMeansNoIoYet) {
  auto s = parse_io_stat("");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->empty());
}

TEST(CgroupV2IoStat, MalformedIsAnError) {
  for (const char* bad : {"8:0 rbytes\n", "sda rbytes=1\n", "8:0 rbytes=x\n", "8:0\n"}) {
    EXPECT_FALSE(parse_io_stat(bad).has_value()) << bad;
  }
}

TEST(CgroupV2IoMax, ParsesLimitsWithMaxAsUnlimited) {
  auto l = parse_io_max("8:0 rbps=52428800 wbps=max riops=max wiops=1000\n");
  ASSERT_TRUE(l.has_value());
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].rbps, 52428800u);
  EXPECT_FALSE((*l)[0].wbps.has_value());
  EXPECT_EQ((*l)[0].wiops, 1000u);
  EXPECT_TRUE(parse_io_max("").value().empty());
  EXPECT_FALSE(parse_io_max("8:0 rbps=fast\n").has_value());
}

TEST(CgroupFlatKeyed, ParsesMemoryStat) {
  auto s = parse_flat_keyed("anon 1050000000\nfile 40000000\npgmajfault 321\n", "memory.stat");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->get("anon"), 1050000000u);
  EXPECT_EQ(s->get("pgmajfault"), 321u);
  EXPECT_EQ(s->get("nope"), std::nullopt);
  EXPECT_FALSE(parse_flat_keyed("anon\n", "memory.stat").has_value());
  EXPECT_FALSE(parse_flat_keyed("", "memory.stat").has_value());
}

TEST(CgroupSingleValue, ParsesOneUnsignedNumber) {
  EXPECT_EQ(parse_u64_file("1100000000\n", "memory.current").value(), 1100000000u);
  for (const char* bad : {"", "\n", "-5\n", "12 13\n", "1e9\n", "18446744073709551616\n"}) {
    auto v = parse_u64_file(bad, "memory.current");
    ASSERT_FALSE(v.has_value()) << bad;
    EXPECT_EQ(v.error().where, "memory.current");
  }
}

// ---- cgroup v1

TEST(CgroupV1CpuStat, ParsesThrottlingInNanoseconds) {
  auto s = parse_cpu_stat_v1("nr_periods 300\nnr_throttled 30\nthrottled_time 1500000000\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->nr_periods, 300u);
  EXPECT_EQ(s->nr_throttled, 30u);
  EXPECT_EQ(s->throttled_time_ns, 1500000000u);
  // 5.14+ adds burst fields; they are accepted.
  EXPECT_TRUE(parse_cpu_stat_v1("nr_periods 1\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\n"
                                "burst_time 0\n")
                  .has_value());
  EXPECT_FALSE(parse_cpu_stat_v1("nr_periods 1\nnr_throttled 0\n").has_value());
}

TEST(CgroupV1Quota, TreatsMinusOneAsUnlimited) {
  EXPECT_EQ(parse_cfs_quota_us("-1\n").value(), std::nullopt);
  EXPECT_EQ(parse_cfs_quota_us("20000\n").value(), 20000u);
  for (const char* bad : {"", "0\n", "-2\n", "max\n"}) {
    EXPECT_FALSE(parse_cfs_quota_us(bad).has_value()) << bad;
  }
}

TEST(CgroupV1MemoryLimit, TreatsTheKernelsHugeValueAsUnlimited) {
  EXPECT_EQ(parse_memory_limit_v1("9223372036854771712\n").value(), std::nullopt);
  EXPECT_EQ(parse_memory_limit_v1("536870912\n").value(), 536870912u);
  EXPECT_FALSE(parse_memory_limit_v1("-1\n").has_value());
}

TEST(CgroupV1Blkio, ParsesPerDeviceOperationsAndTotal) {
  auto s = parse_blkio_throttle(
      "8:0 Read 1048576\n8:0 Write 4194304\n8:0 Sync 5242880\n8:0 Async 0\n8:0 Discard 0\n"
      "8:0 Total 5242880\n253:0 Read 2097152\n253:0 Write 0\n253:0 Total 2097152\nTotal 7340032\n",
      "blkio.throttle.io_service_bytes");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  ASSERT_EQ(s->devices.size(), 2u);
  EXPECT_EQ(s->devices[0].read, 1048576u);
  EXPECT_EQ(s->devices[0].write, 4194304u);
  EXPECT_EQ(s->devices[1].read, 2097152u);
  EXPECT_EQ(s->total, 7340032u);
}

TEST(CgroupV1Blkio, NoIoYetIsValid) {
  auto s = parse_blkio_throttle("Total 0\n", "blkio.throttle.io_serviced");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->devices.empty());
  EXPECT_TRUE(parse_blkio_throttle("", "x").has_value());
}

TEST(CgroupV1Blkio, MalformedIsAnErrorNamingTheFile) {
  for (const char* bad : {"8:0 Read\n", "8:0 Peek 1\n", "Total x\n", "sda Read 1\n"}) {
    auto s = parse_blkio_throttle(bad, "blkio.throttle.io_serviced");
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().where, "blkio.throttle.io_serviced");
  }
}

TEST(CgroupV1Blkio, ParsesDeviceLimits) {
  auto l = parse_blkio_device_limits("8:0 10485760\n8:16 1024\n", "read_bps_device");
  ASSERT_TRUE(l.has_value());
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[1].minor, 16u);
  EXPECT_EQ((*l)[1].value, 1024u);
  EXPECT_FALSE(parse_blkio_device_limits("8:0\n", "read_bps_device").has_value());
}

// The one reading of an instance's disk limit, the sampler's and the cgroup actuators':
// both directions of each device hold an even share, so per device the larger counts once.
TEST(InstanceDiskLimit, SumsTheLargerDirectionOfEachDevice) {
  EXPECT_DOUBLE_EQ(instance_disk_limit({{1000, 1000}, {3000, 2000}}), 4000.0);
  EXPECT_DOUBLE_EQ(instance_disk_limit({{500, 700}}), 700.0);
}

TEST(InstanceDiskLimit, NoDeviceOrOneDirectionUnlimitedIsNoLimit) {
  EXPECT_TRUE(std::isnan(instance_disk_limit({})));
  EXPECT_TRUE(std::isnan(instance_disk_limit({{1000, 1000}, {std::nullopt, 2000}})));
  EXPECT_TRUE(std::isnan(instance_disk_limit({{1000, std::nullopt}})));
}

}  // namespace
}  // namespace augur::host
