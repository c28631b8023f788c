#include "augur/sampling/libvirt/domain_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace augur::sampling {
namespace {

using std::uint64_t;

StatParam u(std::string n, uint64_t v) {
  return {std::move(n), v};
}
StatParam s(std::string n, std::string v) {
  return {std::move(n), std::move(v)};
}

DomainStatsRaw parse(const std::vector<StatParam>& p) {
  auto r = parse_domain_stats(p);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? *r : DomainStatsRaw{};
}

TEST(DomainStatsParse, MapsIndexedDevicesAndVcpus) {
  const auto raw = parse({{"state.state", std::int64_t{1}},
                          u("cpu.time", 5),
                          u("vcpu.1.time", 7),
                          u("vcpu.0.time", 3),
                          s("block.0.name", "vda"),
                          u("block.0.rd.bytes", 9),
                          s("net.0.name", "vnet0"),
                          u("net.0.tx.pkts", 4),
                          u("balloon.rss", 100),
                          u("some.future.stat", 1)});
  EXPECT_EQ(raw.state, 1);
  EXPECT_EQ(raw.cpu_time_ns, 5u);
  ASSERT_EQ(raw.vcpus.size(), 2u);
  EXPECT_EQ(raw.vcpus[0].time_ns, 3u);
  EXPECT_EQ(raw.vcpus[1].time_ns, 7u);
  ASSERT_EQ(raw.blocks.size(), 1u);
  EXPECT_EQ(raw.blocks[0].name, "vda");
  EXPECT_EQ(raw.blocks[0].rd_bytes, 9u);
  EXPECT_FALSE(raw.blocks[0].wr_bytes);
  EXPECT_EQ(raw.nets[0].tx_pkts, 4u);
  EXPECT_EQ(raw.balloon_rss_kib, 100u);
}

TEST(DomainStatsParse, RejectsWrongTypesAndAbsurdIndexes) {
  EXPECT_FALSE(parse_domain_stats({s("cpu.time", "x")}));
  EXPECT_FALSE(parse_domain_stats({u("block.0.name", 1)}));
  EXPECT_FALSE(parse_domain_stats({u("vcpu.99999999.time", 1)}));
  EXPECT_FALSE(parse_domain_stats({{"cpu.time", std::int64_t{-5}}}));
}

TEST(StatLines, ParsesEveryTypeAndStringsWithSpaces) {
  auto p = parse_stat_lines(
      "# comment\ncpu.time ullong 12\nstate.state int -1\nx double 0.5\nb boolean 1\n"
      "block.0.path string /tmp/a b.img\n",
      "t");
  ASSERT_TRUE(p) << p.error().message();
  ASSERT_EQ(p->size(), 5u);
  EXPECT_EQ(std::get<uint64_t>((*p)[0].value), 12u);
  EXPECT_EQ(std::get<std::int64_t>((*p)[1].value), -1);
  EXPECT_EQ(std::get<double>((*p)[2].value), 0.5);
  EXPECT_EQ(std::get<bool>((*p)[3].value), true);
  EXPECT_EQ(std::get<std::string>((*p)[4].value), "/tmp/a b.img");
}

TEST(StatLines, RejectsGarbageWithLineNumber) {
  for (const char* bad : {"cpu.time\n", "cpu.time ullong\n", "cpu.time ullong -3\n",
                          "cpu.time ullong 1x\n", "a weird 1\n", "b boolean 2\n", "d double x\n"}) {
    auto p = parse_stat_lines(bad, "f");
    ASSERT_FALSE(p) << bad;
    EXPECT_NE(p.error().what.find("line 1"), std::string::npos);
  }
}

DomainStatsRaw reading(uint64_t cpu_ns, uint64_t vcpu0_ns, uint64_t rd_bytes, uint64_t tx_bytes) {
  DomainStatsRaw r;
  r.cpu_time_ns = cpu_ns;
  r.vcpus = {VcpuStats{vcpu0_ns, 0, 100}};
  r.blocks = {BlockStats{"vda", rd_bytes, 0, 1, 0}};
  r.nets = {NetStats{"vnet0", 0, tx_bytes, 0, 1}};
  r.balloon_available_kib = 1000;
  r.balloon_unused_kib = 250;
  r.balloon_rss_kib = 2000;
  return r;
}

TEST(DomainRates, DerivesCpuDiskNetAndMemory) {
  Sample out;
  derive_domain_rates(reading(1'000'000'000, 0, 0, 0),
                      reading(3'000'000'000, 500'000'000, 4096, 800), std::chrono::seconds(2), out);
  EXPECT_DOUBLE_EQ(out.get(Metric::kCpuUsageCores), 1.0);
  ASSERT_EQ(out.vcpu_utilisation.size(), 1u);
  EXPECT_DOUBLE_EQ(out.vcpu_utilisation[0], 0.25);
  EXPECT_DOUBLE_EQ(out.get(Metric::kDiskReadBytes), 2048.0);
  EXPECT_DOUBLE_EQ(out.get(Metric::kNetTxBytes), 400.0);
  EXPECT_DOUBLE_EQ(out.get(Metric::kDiskReadOps), 0.0);
  EXPECT_DOUBLE_EQ(out.get(Metric::kGuestMemoryUsedBytes), 750.0 * 1024);
  EXPECT_DOUBLE_EQ(out.get(Metric::kMemoryBytes), 2000.0 * 1024);
  EXPECT_TRUE(out.has(Metric::kRunqueueWaitShare));
}

TEST(DomainRates, CounterGoingBackwardsIsMissingForThatTick) {
  Sample out;
  derive_domain_rates(reading(5'000'000'000, 0, 4096, 10), reading(1'000'000'000, 0, 0, 20),
                      std::chrono::seconds(1), out);
  EXPECT_FALSE(out.has(Metric::kCpuUsageCores));
  EXPECT_FALSE(out.has(Metric::kDiskReadBytes));
  EXPECT_TRUE(out.has(Metric::kNetTxBytes));
  EXPECT_FALSE(out.missing_reasons.empty());
}

TEST(DomainRates, ReplacedDeviceAndAbsentBalloonStatsAreMissing) {
  DomainStatsRaw prev = reading(0, 0, 0, 0);
  DomainStatsRaw cur = reading(1, 0, 0, 0);
  cur.blocks[0].name = "vdb";
  cur.balloon_available_kib.reset();
  Sample out;
  derive_domain_rates(prev, cur, std::chrono::seconds(1), out);
  EXPECT_FALSE(out.has(Metric::kDiskReadBytes));
  EXPECT_FALSE(out.has(Metric::kGuestMemoryUsedBytes));
  EXPECT_TRUE(out.has(Metric::kMemoryBytes));
}

TEST(DomainRates, ZeroElapsedGivesNoRates) {
  Sample out;
  derive_domain_rates(reading(0, 0, 0, 0), reading(1, 0, 0, 0), Nanos(0), out);
  EXPECT_FALSE(out.has(Metric::kCpuUsageCores));
  EXPECT_FALSE(out.has(Metric::kNetTxBytes));
}

}  // namespace
}  // namespace augur::sampling
