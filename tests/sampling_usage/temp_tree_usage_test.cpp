// Fake cgroup2/v1 trees written under a fresh temp dir (oomd's F::makeFile style): odd and
// broken files, and counters that move between reads through the same open fds.
#include <gtest/gtest.h>

#include "augur/host/cgroup_layout.h"
#include "augur/sampling/usage/rates.h"
#include "augur/sampling/usage/usage_reader.h"
#include "temp_tree.h"

namespace augur::sampling {
namespace {

using augur::testing::TempTree;
using namespace std::chrono_literals;

constexpr const char* kPureV2 = "31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
constexpr const char* kCg = "sys/fs/cgroup/pod.slice/app.scope";
const char* kPsi =
    "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 "
    "total=0\n";

class V2Tree : public ::testing::Test {
 protected:
  void SetUp() override {
    t.make_file("proc/self/mountinfo", kPureV2);
    t.make_symlink("proc/self/ns/net", "net:[1]");
    write_cpu_stat(1'000'000, 0);
    t.make_file(dir("cpu.max"), "max 100000\n");
    t.make_file(dir("memory.current"), "4096\n");
    t.make_file(dir("memory.max"), "max\n");
    t.make_file(dir("memory.stat"), "anon 1024\nfile 2048\npgmajfault 1\n");
    t.make_file(dir("io.stat"), "");
    t.make_file(dir("io.max"), "");
    for (const char* r : {"cpu", "memory", "io"})
      t.make_file(dir(std::string(r) + ".pressure"), kPsi);
    inst.id = "cgroup:/pod.slice/app.scope";
    inst.cgroups = {{"", "/pod.slice/app.scope"}};
  }
  std::string dir(const std::string& file) const { return std::string(kCg) + "/" + file; }
  void write_cpu_stat(std::uint64_t usage_usec, std::uint64_t throttled_usec) {
    t.make_file(dir("cpu.stat"), "usage_usec " + std::to_string(usage_usec) +
                                     "\nuser_usec 0\nsystem_usec 0\nnr_periods 10\nnr_throttled 1\n"
                                     "throttled_usec " +
                                     std::to_string(throttled_usec) + "\n");
  }
  UsageReader reader() {
    return UsageReader(host::read_cgroup_layout(t.path("proc")).value(), t.root(), t.path("proc"));
  }

  TempTree t;
  Instance inst;
};

TEST_F(V2Tree, TreatsMaxAsUnlimited) {
  auto r = reader().read(inst);
  EXPECT_EQ(r.cpu_limit_cores.missing_reason, "unlimited");
  EXPECT_EQ(r.memory_limit_bytes.missing_reason, "unlimited");
  EXPECT_EQ(r.disk_limit_bytes_per_s.missing_reason, "unlimited");
  for (Resource res : kAllResources) EXPECT_FALSE(r.allocation().known(res)) << resource_name(res);
  t.make_file(dir("cpu.max"), "50000 100000\n");
  t.make_file(dir("memory.max"), "1073741824\n");
  t.make_file(dir("io.max"), "8:0 rbps=1000 wbps=2000 riops=max wiops=max\n");
  auto limited = reader().read(inst);
  EXPECT_DOUBLE_EQ(limited.allocation()[Resource::kCpu], 0.5);
  EXPECT_DOUBLE_EQ(limited.allocation()[Resource::kMemory], 1073741824.0);
  EXPECT_DOUBLE_EQ(limited.allocation()[Resource::kDisk], 2000.0);  // as the actuators read it
}

TEST_F(V2Tree, IoLimitedInOneDirectionOnlyIsUnlimited) {
  t.make_file(dir("io.max"), "8:0 rbps=1000 wbps=max riops=max wiops=max\n");
  auto r = reader().read(inst);
  EXPECT_EQ(r.disk_limit_bytes_per_s.missing_reason, "unlimited in one direction");
}

TEST_F(V2Tree, MalformedFileMakesItsFieldsMissingWithAReasonNamingTheFile) {
  t.make_file(dir("cpu.stat"), "usage_usec twelve\n");
  t.make_file(dir("memory.current"), "");
  auto r = reader().read(inst);
  EXPECT_FALSE(r.cpu_usage_ns.has());
  EXPECT_NE(r.cpu_usage_ns.missing_reason.find("cpu.stat"), std::string::npos)
      << r.cpu_usage_ns.missing_reason;
  EXPECT_FALSE(r.memory_bytes.has());
  EXPECT_NE(r.memory_bytes.missing_reason.find("memory.current"), std::string::npos);
  EXPECT_TRUE(r.memory_anon_bytes.has()) << "other files still read";
}

TEST_F(V2Tree, TruncatedMemoryStatIsMissingNotZero) {
  t.make_file(dir("memory.stat"), "anon 1024\nfi");
  auto r = reader().read(inst);
  EXPECT_FALSE(r.memory_anon_bytes.has());
  EXPECT_FALSE(r.memory_file_bytes.has());
  EXPECT_NE(r.memory_file_bytes.missing_reason.find("memory.stat"), std::string::npos);
}

TEST_F(V2Tree, MissingControllerFilesAreMissingWithTheirPathAndNotRetried) {
  for (const char* f : {"memory.current", "memory.stat", "memory.max", "io.stat", "io.max"}) {
    t.remove(dir(f));
  }
  auto rd = reader();
  auto r = rd.read(inst);
  EXPECT_TRUE(r.cpu_usage_ns.has());
  EXPECT_FALSE(r.memory_bytes.has());
  EXPECT_NE(r.memory_bytes.missing_reason.find("memory.current"), std::string::npos);
  EXPECT_NE(r.memory_bytes.missing_reason.find("No such file"), std::string::npos);
  EXPECT_FALSE(r.disk_write_ops.has());
  const auto fds = rd.open_files();
  // cpu.stat, cpu.max, 3 pressure files
  EXPECT_EQ(fds, 5u);
  t.make_file(dir("memory.current"), "1\n");
  auto again = rd.read(inst);
  EXPECT_FALSE(again.memory_bytes.has()) << "a missing file is remembered until forget()";
  rd.forget(inst.id);
  EXPECT_EQ(rd.open_files(), 0u);
  EXPECT_TRUE(rd.read(inst).memory_bytes.has());
}

TEST_F(V2Tree, WithoutCpuControllerThrottlingIsMissingWithTheReason) {
  t.make_file(dir("cpu.stat"), "usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
  auto r = reader().read(inst);
  EXPECT_TRUE(r.cpu_usage_ns.has());
  EXPECT_FALSE(r.cpu_throttled_ns.has());
  EXPECT_NE(r.cpu_throttled_ns.missing_reason.find("cpu controller not enabled"),
            std::string::npos);
}

TEST_F(V2Tree, RereadsCountersThroughOpenFilesAndDerivesRates) {
  auto rd = reader();
  const UsageRaw first = rd.read(inst);
  const auto fds = rd.open_files();
  write_cpu_stat(1'500'000, 100'000);  // +0.5 s CPU, +0.1 s throttled
  const UsageRaw second = rd.read(inst);
  EXPECT_EQ(rd.open_files(), fds) << "no new fds on the second tick";
  Sample s;
  derive_usage_rates(first, second, 1s, s);
  ASSERT_TRUE(s.has(Metric::kCpuUsageCores));
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuUsageCores), 0.5);
  EXPECT_DOUBLE_EQ(s.get(Metric::kCpuThrottledShare), 0.1);
  EXPECT_DOUBLE_EQ(s.get(Metric::kMemoryBytes), 4096.0);
}

TEST_F(V2Tree, CounterGoingBackwardsGivesCounterResetNotANegativeRate) {
  write_cpu_stat(9'000'000, 0);
  auto rd = reader();
  const UsageRaw before = rd.read(inst);
  write_cpu_stat(1'000'000, 0);  // re-created cgroup: counters start again
  const UsageRaw after = rd.read(inst);
  ASSERT_TRUE(after.cpu_usage_ns.has()) << after.cpu_usage_ns.missing_reason;
  Sample s;
  derive_usage_rates(before, after, 1s, s);
  EXPECT_FALSE(s.has(Metric::kCpuUsageCores));
  const auto it = std::find_if(s.missing_reasons.begin(), s.missing_reasons.end(),
                               [](auto& m) { return m.first == Metric::kCpuUsageCores; });
  ASSERT_NE(it, s.missing_reasons.end());
  EXPECT_EQ(it->second, "counter reset");
  EXPECT_TRUE(s.has(Metric::kCpuThrottledShare)) << "other counters unaffected";
}

TEST_F(V2Tree, ThreadsThatVanishAreLeftOutAndTheirFilesClosed) {
  inst.main_pid = 100;
  inst.thread_ids = {100, 101, 102};
  for (int tid : {100, 101, 102}) {
    t.make_file("proc/100/task/" + std::to_string(tid) + "/schedstat", "10 20 3\n");
  }
  t.make_symlink("proc/100/ns/net", "net:[1]");
  auto rd = reader();
  auto r = rd.read(inst);
  ASSERT_TRUE(r.threads.has());
  EXPECT_EQ(r.threads.value->size(), 3u);
  const auto fds = rd.open_files();
  t.remove("proc/100/task/101");
  inst.thread_ids = {100, 102};  // discovery noticed too
  r = rd.read(inst);
  ASSERT_TRUE(r.threads.has());
  EXPECT_EQ(r.threads.value->size(), 2u);
  EXPECT_EQ(rd.open_files(), fds - 1);
  inst.thread_ids = {100, 102, 103};  // 103 never existed: left out silently
  r = rd.read(inst);
  EXPECT_EQ(r.threads.value->size(), 2u);
}

TEST_F(V2Tree, ThreadsOfOtherProcessesInTheCgroupAreReadThroughProcTid) {
  inst.main_pid = 100;
  inst.thread_ids = {100, 300};  // 300 belongs to another process of the container
  t.make_file("proc/100/task/100/schedstat", "10 20 3\n");
  t.make_file("proc/300/schedstat", "40 50 6\n");
  t.make_symlink("proc/100/ns/net", "net:[1]");
  auto r = reader().read(inst);
  ASSERT_TRUE(r.threads.has()) << r.threads.missing_reason;
  ASSERT_EQ(r.threads.value->size(), 2u);
  EXPECT_EQ((*r.threads.value)[1].tid, 300);
  EXPECT_EQ((*r.threads.value)[1].wait_ns, 50u);
}

TEST_F(V2Tree, NetworkFromOwnNamespaceOnly) {
  inst.main_pid = 200;
  t.make_symlink("proc/200/ns/net", "net:[2]");
  t.make_file("proc/200/net/dev",
              "Inter-|   Receive                                                |  Transmit\n"
              " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
              "errs drop fifo colls carrier compressed\n"
              "    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n"
              "  eth0: 100 2 0 0 0 0 0 0 300 4 0 0 0 0 0 0\n"
              "  eth1: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
  auto r = reader().read(inst);
  EXPECT_EQ(r.net_rx_bytes.value, 101u);
  EXPECT_EQ(r.net_tx_bytes.value, 301u);
  EXPECT_EQ(r.net_rx_packets.value, 3u);
  EXPECT_EQ(r.net_tx_packets.value, 5u);
}

TEST(V1Tree, HybridHostReadsControllersFromV1AndPressureFromCgroup2) {
  TempTree t;
  t.make_file("proc/self/mountinfo",
              "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
              "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
              "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  const std::string v1 = "sys/fs/cgroup/cpu,cpuacct/ct";
  t.make_file(v1 + "/cpuacct.usage", "777\n");
  t.make_file(v1 + "/cpu.stat", "nr_periods 10\nnr_throttled 5\nthrottled_time 999\n");
  t.make_file(v1 + "/cpu.cfs_quota_us", "-1\n");
  t.make_file(v1 + "/cpu.cfs_period_us", "100000\n");
  t.make_file("sys/fs/cgroup/memory/ct/memory.usage_in_bytes", "8192\n");
  t.make_file("sys/fs/cgroup/memory/ct/memory.limit_in_bytes", "9223372036854771712\n");
  // no total_* keys: a v1 memory.stat of a leaf read without hierarchy
  t.make_file("sys/fs/cgroup/memory/ct/memory.stat", "rss 100\ncache 200\npgmajfault 3\n");
  t.make_file("sys/fs/cgroup/unified/ct/cpu.stat", "usage_usec 1\nuser_usec 1\nsystem_usec 0\n");
  t.make_file("sys/fs/cgroup/unified/ct/cpu.pressure",
              "some avg10=0.00 avg60=0.00 avg300=0.00 total=55\n");
  Instance i;
  i.id = "ct";
  i.cgroups = {{"cpu", "/ct"}, {"cpuacct", "/ct"}, {"memory", "/ct"}, {"", "/ct"}};
  UsageReader rd(host::read_cgroup_layout(t.path("proc")).value(), t.root(), t.path("proc"));
  auto r = rd.read(i);
  EXPECT_EQ(r.cpu_usage_ns.value, 777u) << "cpuacct.usage is ns, preferred over cgroup2";
  EXPECT_EQ(r.cpu_throttled_ns.value, 999u);
  EXPECT_EQ(r.memory_bytes.value, 8192u);
  EXPECT_EQ(r.memory_anon_bytes.value, 100u);
  EXPECT_EQ(r.memory_file_bytes.value, 200u);
  EXPECT_EQ(r.memory_limit_bytes.missing_reason, "unlimited");
  EXPECT_EQ(r.cpu_limit_cores.missing_reason, "unlimited");
  EXPECT_EQ(r.cpu_pressure.some_usec.value, 55u);
  EXPECT_FALSE(r.cpu_pressure.full_usec.has());
  EXPECT_FALSE(r.memory_pressure.some_usec.has()) << r.memory_pressure.some_usec.missing_reason;
  EXPECT_FALSE(r.disk_read_bytes.has());
  EXPECT_NE(r.disk_read_bytes.missing_reason.find("io.stat"), std::string::npos)
      << "no blkio hierarchy: the cgroup2 directory is tried, and has no io.stat";
}

}  // namespace
}  // namespace augur::sampling
