#include "augur/host/proc_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "augur/host/open_file.h"
#include "temp_tree.h"

namespace augur::host {
namespace {

using augur::testing::fixture;

std::string host_file(const std::string& rel) {
  return read_file(fixture("proc/kvm-guest-2cpu/proc/" + rel)).value();
}

TEST(ProcStat, ParsesTheAggregateCpuLine) {
  auto t =
      parse_proc_stat_cpu("cpu  40300 0 5213 1472969 476 0 89 72 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->user, 40300u);
  EXPECT_EQ(t->idle, 1472969u);
  EXPECT_EQ(t->steal, 72u);
  EXPECT_EQ(t->total(), 40300u + 5213 + 1472969 + 476 + 89 + 72);
  EXPECT_EQ(t->idle_all(), 1472969u + 476);
}

TEST(ProcStat, GuestTimeIsNotCountedTwice) {
  auto t = parse_proc_stat_cpu("cpu 100 0 0 100 0 0 0 0 60 0\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->total(), 200u);
}

TEST(ProcStat, ReadsTheFixtureAndTheRealFile) {
  EXPECT_TRUE(parse_proc_stat_cpu(host_file("stat")).has_value());
  auto real = parse_proc_stat_cpu(read_file("/proc/stat").value());
  ASSERT_TRUE(real.has_value()) << real.error().message();
  EXPECT_GT(real->total(), 0u);
}

TEST(ProcStat, MissingOrTruncatedCpuLineIsAnError) {
  for (const char* bad : {"", "cpu0 1 2 3 4\n", "cpu 1 2\n", "cpu 1 2 x 4 5\n"}) {
    auto t = parse_proc_stat_cpu(bad);
    ASSERT_FALSE(t.has_value()) << bad;
    EXPECT_EQ(t.error().where, "/proc/stat");
  }
}

TEST(MemInfo, ConvertsKibibytesToBytes) {
  auto m = parse_meminfo(host_file("meminfo"));
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->total_bytes, 24731708ull * 1024);
  ASSERT_TRUE(m->available_bytes.has_value());
  EXPECT_LE(*m->available_bytes, m->total_bytes);
  auto real = parse_meminfo(read_file("/proc/meminfo").value());
  ASSERT_TRUE(real.has_value()) << real.error().message();
  EXPECT_EQ(real->total_bytes,
            static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGE_SIZE));
}

TEST(MemInfo, MissingTotalOrMalformedIsAnError) {
  EXPECT_FALSE(parse_meminfo("MemFree: 1 kB\n").has_value());
  EXPECT_FALSE(parse_meminfo("MemTotal 1 kB\nMemFree: 1 kB\n").has_value());
  EXPECT_FALSE(parse_meminfo("MemTotal: x kB\nMemFree: 1 kB\n").has_value());
  EXPECT_FALSE(parse_meminfo("").has_value());
}

TEST(SchedStat, ParsesRunWaitAndTimeslices) {
  auto s = parse_schedstat("20000000000 300000000 5000\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->run_ns, 20000000000u);
  EXPECT_EQ(s->wait_ns, 300000000u);
  EXPECT_EQ(s->timeslices, 5000u);
  for (const char* bad : {"", "1 2\n", "1 2 x\n", "1 2 3 4\n"}) {
    EXPECT_FALSE(parse_schedstat(bad).has_value()) << bad;
  }
  // sum_exec_runtime of a running task is brought up to date at a context switch.
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto real = parse_schedstat(read_file("/proc/self/schedstat").value());
  ASSERT_TRUE(real.has_value()) << real.error().message();
  EXPECT_GT(real->run_ns, 0u);
}

TEST(NetDev, ParsesEveryInterfaceOfTheFixture) {
  auto n = parse_net_dev(host_file("net/dev"));
  ASSERT_TRUE(n.has_value()) << n.error().message();
  ASSERT_EQ(n->size(), 4u);
  EXPECT_EQ((*n)[0].name, "lo");
  EXPECT_EQ((*n)[3].name, "eth0");
  EXPECT_EQ((*n)[3].rx_bytes, 101818596u);
  EXPECT_EQ((*n)[3].rx_packets, 3444u);
  EXPECT_EQ((*n)[3].tx_bytes, 183770u);
  EXPECT_EQ((*n)[3].tx_packets, 2657u);
  EXPECT_TRUE(parse_net_dev(read_file("/proc/net/dev").value()).has_value());
}

TEST(NetDev, MissingHeaderOrTruncatedLineIsAnError) {
  const std::string header =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n";
  EXPECT_FALSE(parse_net_dev("eth0: 1 2 3\n").has_value());
  EXPECT_FALSE(parse_net_dev(header + "eth0: 1 2 3 4 5 6 7 8 9 10\n").has_value());
  EXPECT_FALSE(parse_net_dev(header + "eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n").has_value());
  EXPECT_TRUE(parse_net_dev(header).value().empty());
}

TEST(DiskStats, ParsesSectorsAndOperations) {
  auto d = parse_diskstats(host_file("diskstats"));
  ASSERT_TRUE(d.has_value()) << d.error().message();
  const auto vda = std::find_if(d->begin(), d->end(), [](auto& s) { return s.name == "vda"; });
  ASSERT_NE(vda, d->end());
  EXPECT_EQ(vda->major, 254u);
  EXPECT_EQ(vda->reads_completed, 30911u);
  EXPECT_EQ(vda->sectors_read, 2551466u);
  EXPECT_EQ(vda->writes_completed, 16291u);
  EXPECT_EQ(vda->sectors_written, 2806912u);
  // Pre-4.18 kernels have 14 fields per line.
  EXPECT_TRUE(parse_diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n").has_value());
  EXPECT_FALSE(parse_diskstats("8 0 sda 1 2 3\n").has_value());
  EXPECT_FALSE(parse_diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 x\n").has_value());
  EXPECT_FALSE(parse_diskstats("").has_value());
  EXPECT_TRUE(parse_diskstats(read_file("/proc/diskstats").value()).has_value());
}

TEST(CpuList, CountsRangesAndSingles) {
  EXPECT_EQ(parse_cpu_list_count("0-1\n", "online").value(), 2u);
  EXPECT_EQ(parse_cpu_list_count("0-3,8,10-11\n", "online").value(), 7u);
  EXPECT_EQ(parse_cpu_list_count("5\n", "online").value(), 1u);
  for (const char* bad : {"", "3-1", "a", "0-", "0,,1"}) {
    EXPECT_FALSE(parse_cpu_list_count(bad, "online").has_value()) << bad;
  }
}

}  // namespace
}  // namespace augur::host
