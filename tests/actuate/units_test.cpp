// Unit conversions: round trips, the documented shares <-> weight points, "max" <-> NaN,
// page rounding, and garbage rejected.
#include "augur/actuate/units.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace augur::actuate::units {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(UnitsCpu, CoresToQuotaRoundTripsAtSeveralPeriods) {
  for (const std::uint64_t period : {1'000ULL, 10'000ULL, 100'000ULL, 250'000ULL, 1'000'000ULL}) {
    for (const double cores : {0.01, 0.5, 1.0, 1.5, 3.75, 64.0}) {
      auto quota = cores_to_quota_usec(cores, period);
      ASSERT_TRUE(quota) << quota.error().message();
      ASSERT_TRUE(quota->has_value());
      EXPECT_EQ(**quota, static_cast<std::uint64_t>(std::llround(cores * period)));
      EXPECT_NEAR(quota_usec_to_cores(*quota, period), cores, 0.5 / static_cast<double>(period));
    }
  }
}

TEST(UnitsCpu, HalfACoreIsHalfThePeriod) {
  auto quota = cores_to_quota_usec(0.5, 100'000);
  ASSERT_TRUE(quota);
  EXPECT_EQ(**quota, 50'000u);
  EXPECT_EQ(format_cpu_max(*quota, 100'000), "50000 100000\n");
  EXPECT_EQ(format_cfs_quota_usec(*quota), "50000\n");
}

TEST(UnitsCpu, MaxMeansUnlimitedBothWays) {
  auto quota = cores_to_quota_usec(kNaN, 100'000);
  ASSERT_TRUE(quota);
  EXPECT_FALSE(quota->has_value());
  EXPECT_EQ(format_cpu_max(*quota, 100'000), "max 100000\n");
  EXPECT_EQ(format_cfs_quota_usec(*quota), "-1\n");
  EXPECT_TRUE(std::isnan(quota_usec_to_cores(std::nullopt, 100'000)));

  auto parsed = parse_cpu_max("max 100000\n");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->quota_usec.has_value());
  EXPECT_EQ(parsed->period_usec, 100'000u);
  auto v1 = parse_cfs_quota_usec("-1\n");
  ASSERT_TRUE(v1);
  EXPECT_FALSE(v1->has_value());
}

TEST(UnitsCpu, ParsesWhatItFormats) {
  auto parsed = parse_cpu_max(format_cpu_max(25'000, 50'000));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->quota_usec, std::optional<std::uint64_t>(25'000));
  EXPECT_EQ(parsed->period_usec, 50'000u);
  auto quota = parse_cfs_quota_usec(format_cfs_quota_usec(123'456));
  ASSERT_TRUE(quota);
  EXPECT_EQ(*quota, std::optional<std::uint64_t>(123'456));
  auto period = parse_cfs_period_usec(format_u64(100'000));
  ASSERT_TRUE(period);
  EXPECT_EQ(*period, 100'000u);
}

TEST(UnitsCpu, RejectsInvalidCoresAndGarbage) {
  EXPECT_FALSE(cores_to_quota_usec(0, 100'000));
  EXPECT_FALSE(cores_to_quota_usec(-1, 100'000));
  EXPECT_FALSE(cores_to_quota_usec(std::numeric_limits<double>::infinity(), 100'000));
  EXPECT_FALSE(cores_to_quota_usec(1, 0));
  EXPECT_FALSE(parse_cpu_max(""));
  EXPECT_FALSE(parse_cpu_max("fifty 100000"));
  EXPECT_FALSE(parse_cpu_max("50000 0"));
  EXPECT_FALSE(parse_cpu_max("1 2 3"));
  EXPECT_FALSE(parse_cfs_quota_usec("-2"));
  EXPECT_FALSE(parse_cfs_quota_usec("abc"));
  EXPECT_FALSE(parse_cfs_period_usec("0"));
  EXPECT_FALSE(parse_cfs_period_usec("1e5"));
  auto err = parse_cpu_max("garbage here", "/x/cpu.max");
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().where, "/x/cpu.max");
}

TEST(UnitsWeight, DocumentedSharesToWeightPoints) {
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(1024), 39u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  // Out of range shares are clamped first.
  EXPECT_EQ(shares_to_weight(0), 1u);
  EXPECT_EQ(shares_to_weight(1'000'000), 10000u);
}

TEST(UnitsWeight, WeightToSharesIsTheSmallestPreimage) {
  EXPECT_EQ(weight_to_shares(1), 2u);
  EXPECT_EQ(weight_to_shares(10000), 262144u);
  for (std::uint64_t w = kMinWeight; w <= kMaxWeight; ++w) {
    const auto s = weight_to_shares(w);
    ASSERT_EQ(shares_to_weight(s), w) << "weight " << w;
    if (s > kMinShares) {
      ASSERT_LT(shares_to_weight(s - 1), w) << "weight " << w << " shares " << s;
    }
  }
}

TEST(UnitsWeight, SharesThroughWeightStayWithinOneWeightStep) {
  // weight is 26 times coarser than shares: the round trip lands on the step's first shares.
  for (std::uint64_t s = kMinShares; s <= kMaxShares; s += 97) {
    const auto back = weight_to_shares(shares_to_weight(s));
    ASSERT_LE(back, s);
    ASSERT_EQ(shares_to_weight(back), shares_to_weight(s));
  }
}

TEST(UnitsWeight, CoresToShares) {
  EXPECT_EQ(cores_to_shares(1.0), 1024u);
  EXPECT_EQ(cores_to_shares(0.5), 512u);
  EXPECT_EQ(cores_to_shares(0.0001), kMinShares);
  EXPECT_EQ(cores_to_shares(1000.0), kMaxShares);
  EXPECT_EQ(cores_to_shares(kNaN), kDefaultShares);
  EXPECT_EQ(shares_to_weight(cores_to_shares(2.0)), 79u);
}

TEST(UnitsMemory, RoundsDownToPagesAsTheKernelDoes) {
  auto v = memory_limit_bytes(64.0 * 1024 * 1024 + 123, 4096);
  ASSERT_TRUE(v);
  EXPECT_EQ(**v, 64u * 1024 * 1024);
  auto big_pages = memory_limit_bytes(64.0 * 1024 * 1024 + 4096, 65536);
  ASSERT_TRUE(big_pages);
  EXPECT_EQ(**big_pages, 64u * 1024 * 1024);
  EXPECT_EQ(round_down_to_page(8191, 4096), 4096u);
  EXPECT_EQ(round_down_to_page(8192, 4096), 8192u);
  EXPECT_GT(host_page_bytes(), 0u);
}

TEST(UnitsMemory, MaxAndMinusOne) {
  auto unlimited = memory_limit_bytes(kNaN, 4096);
  ASSERT_TRUE(unlimited);
  EXPECT_FALSE(unlimited->has_value());
  EXPECT_EQ(format_memory_v2(*unlimited), "max\n");
  EXPECT_EQ(format_memory_v1(*unlimited), "-1\n");
  EXPECT_EQ(format_memory_v2(536870912), "536870912\n");
  EXPECT_EQ(format_memory_v1(536870912), "536870912\n");

  auto v2 = parse_memory_v2("max\n");
  ASSERT_TRUE(v2);
  EXPECT_TRUE(std::isnan(*v2));
  auto v2n = parse_memory_v2("536870912\n");
  ASSERT_TRUE(v2n);
  EXPECT_EQ(*v2n, 536870912.0);
  // What the v1 kernel shows for "no limit" (PAGE_COUNTER_MAX pages of 4 KiB).
  auto v1 = parse_memory_v1("9223372036854771712\n");
  ASSERT_TRUE(v1);
  EXPECT_TRUE(std::isnan(*v1));
  auto v1n = parse_memory_v1("67108864\n");
  ASSERT_TRUE(v1n);
  EXPECT_EQ(*v1n, 67108864.0);
}

TEST(UnitsMemory, RejectsNegativeInfiniteAndGarbage) {
  EXPECT_FALSE(memory_limit_bytes(-1, 4096));
  EXPECT_FALSE(memory_limit_bytes(std::numeric_limits<double>::infinity(), 4096));
  EXPECT_FALSE(memory_limit_bytes(1e30, 4096));
  EXPECT_FALSE(memory_limit_bytes(4096, 0));
  EXPECT_FALSE(parse_memory_v2("maximum"));
  EXPECT_FALSE(parse_memory_v2("-1"));
  EXPECT_FALSE(parse_memory_v2(""));
  EXPECT_FALSE(parse_memory_v1("max"));
  EXPECT_FALSE(parse_memory_v1("12 34"));
}

TEST(UnitsKnob, MaxIsNaN) {
  EXPECT_TRUE(std::isnan(from_knob_value(std::nullopt)));
  EXPECT_EQ(from_knob_value(42), 42.0);
  auto v = to_knob_value(41.6, "x");
  ASSERT_TRUE(v);
  EXPECT_EQ(**v, 42u);
  auto none = to_knob_value(kNaN, "x");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(to_knob_value(-0.6, "x"));
}

TEST(UnitsDisk, DeviceNumbers) {
  auto dev = parse_device_number("254:16");
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->major, 254u);
  EXPECT_EQ(dev->minor, 16u);
  EXPECT_EQ(format_device_number(*dev), "254:16");
  for (const char* bad : {"", "vda", "8", "8:", ":0", "8:0:1", "-8:0", "8:x", "99999999999:0"}) {
    EXPECT_FALSE(parse_device_number(bad)) << bad;
  }
}

TEST(UnitsDisk, IoMaxLinesRoundTrip) {
  const DeviceNumber dev{8, 0};
  EXPECT_EQ(format_io_max_line(dev, 1048576, 2097152), "8:0 rbps=1048576 wbps=2097152\n");
  EXPECT_EQ(format_io_max_line(dev, std::nullopt, std::nullopt), "8:0 rbps=max wbps=max\n");
  auto parsed = parse_io_max(format_io_max_line(dev, 1048576, std::nullopt) +
                             "253:0 rbps=max wbps=10 riops=5 wiops=max\n");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].rbps, std::optional<std::uint64_t>(1048576));
  EXPECT_FALSE((*parsed)[0].wbps.has_value());
  EXPECT_EQ((*parsed)[1].major, 253u);
  EXPECT_EQ((*parsed)[1].wbps, std::optional<std::uint64_t>(10));
  auto empty = parse_io_max("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(parse_io_max("8:0 rbps=lots"));
  EXPECT_FALSE(parse_io_max("sda rbps=1"));
  EXPECT_FALSE(parse_io_max("8:0 rbps"));
}

TEST(UnitsDisk, BlkioLinesRoundTrip) {
  const DeviceNumber dev{254, 0};
  EXPECT_EQ(format_blkio_line(dev, 1048576), "254:0 1048576\n");
  EXPECT_EQ(format_blkio_line(dev, std::nullopt), "254:0 0\n");  // removes the limit
  auto parsed = parse_blkio_lines(format_blkio_line(dev, 1048576) + "8:16 5\n");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].value, 1048576u);
  EXPECT_EQ((*parsed)[1].minor, 16u);
  EXPECT_FALSE(parse_blkio_lines("254:0"));
  EXPECT_FALSE(parse_blkio_lines("254:0 many"));
  EXPECT_FALSE(parse_blkio_lines("vda 100"));
}

TEST(UnitsDisk, LimitBelowTwoBytesPerSecondIsRejected) {
  EXPECT_FALSE(disk_limit_bytes_per_s(0));
  EXPECT_FALSE(disk_limit_bytes_per_s(1));
  EXPECT_FALSE(disk_limit_bytes_per_s(-5));
  auto ok = disk_limit_bytes_per_s(2);
  ASSERT_TRUE(ok);
  EXPECT_EQ(**ok, 2u);
  auto none = disk_limit_bytes_per_s(kNaN);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace augur::actuate::units
