// The demo's CPU and memory cgroups on both versions: cgroup v2 only hosts (most current
// distributions) through a fixture tree, as this machine's cgroup2 has no resource
// controllers; cgroup v1 (with its cgroup2 twin, a hybrid host) on this machine's real
// hierarchies.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "augur/host/cgroup_layout.h"
#include "cpu_cgroup.h"
#include "memory_cgroup.h"

namespace augur::demo {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnifiedMountinfo =
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A cgroup v2 only host's /sys/fs/cgroup, as a fixture directory.
class UnifiedHost : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("augur-demo-cg-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    put(root_ / "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put(root_ / "cgroup.subtree_control", "memory pids\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  [[nodiscard]] host::CgroupLayout layout() const {
    auto parsed = host::parse_mountinfo(kUnifiedMountinfo);
    EXPECT_TRUE(parsed.has_value());
    return host::rebase_layout(*parsed, root_.string());
  }

  fs::path root_;
};

TEST_F(UnifiedHost, PreparingEnablesTheCpuControllerForTheDemosGroups) {
  auto h = prepare_cpu_hierarchy(layout());
  ASSERT_TRUE(h.has_value()) << h.error().message();
  EXPECT_TRUE(h->unified);
  EXPECT_EQ(h->root, root_.string());
  EXPECT_EQ(h->controller, "cpu");
  EXPECT_EQ(h->unified_root, root_.string());
  EXPECT_EQ(h->describe(), "cgroup2: " + root_.string());
  // cgroupfs takes "+cpu" as a command; the fixture's regular file keeps what was written.
  EXPECT_EQ(slurp(root_ / "cgroup.subtree_control"), "+cpu");
}

TEST_F(UnifiedHost, AnEnabledCpuControllerIsLeftAsItIs) {
  put(root_ / "cgroup.subtree_control", "cpu memory pids\n");
  ASSERT_TRUE(prepare_cpu_hierarchy(layout()).has_value());
  EXPECT_EQ(slurp(root_ / "cgroup.subtree_control"), "cpu memory pids\n");
}

TEST_F(UnifiedHost, NoCpuControllerIsAClearError) {
  // "cpuset" holds "cpu" as a prefix: a word match, not a substring one.
  put(root_ / "cgroup.controllers", "cpuset io memory pids\n");
  auto h = prepare_cpu_hierarchy(layout());
  ASSERT_FALSE(h.has_value());
  EXPECT_NE(h.error().message().find("no cpu controller"), std::string::npos)
      << h.error().message();
  EXPECT_NE(h.error().message().find("cgroup.controllers"), std::string::npos)
      << h.error().message();
}

TEST_F(UnifiedHost, AGroupSetsCpuMaxAndReadsV2Throttling) {
  auto h = prepare_cpu_hierarchy(layout());
  ASSERT_TRUE(h.has_value()) << h.error().message();
  const fs::path dir = root_ / "augur-demo-web";
  {
    CpuCgroup g(*h, "augur-demo-web");
    EXPECT_EQ(g.cpu_dir(), dir.string());
    ASSERT_TRUE(g.create().has_value());
    ASSERT_TRUE(fs::is_directory(dir));
    EXPECT_FALSE(CpuCgroup(*h, "augur-demo-web").create().has_value()) << "not ours: refused";
    // What the kernel puts in a new group.
    put(dir / "cpu.max", "max 100000\n");
    put(dir / "cgroup.procs", "");
    put(dir / "cpu.stat",
        "usage_usec 912345\nuser_usec 900000\nsystem_usec 12345\nnr_periods 50\n"
        "nr_throttled 7\nthrottled_usec 123456\nnr_bursts 0\nburst_usec 0\n");
    put(dir / "cpu.pressure",
        "some avg10=1.00 avg60=0.50 avg300=0.10 total=765432\n"
        "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000\n");
    EXPECT_EQ(g.quota_usec(), -1) << "max: unlimited";
    ASSERT_TRUE(g.set_quota(20000, 100000).has_value());
    EXPECT_EQ(slurp(dir / "cpu.max"), "20000 100000");
    EXPECT_EQ(g.quota_usec(), 20000);
    const CpuThrottling t = g.throttling();
    EXPECT_EQ(t.periods, 50);
    EXPECT_EQ(t.throttled_periods, 7);
    EXPECT_EQ(t.throttled_ns, 123456000);
    EXPECT_EQ(t.cpu_stall_usec, 765432);
    ASSERT_TRUE(g.join(4242).has_value());
    EXPECT_EQ(slurp(dir / "cgroup.procs"), "4242");
    // cgroupfs's files go with the directory; a fixture's must be removed first.
    for (const char* f : {"cpu.max", "cgroup.procs", "cpu.stat", "cpu.pressure"}) {
      fs::remove(dir / f);
    }
  }
  EXPECT_FALSE(fs::exists(dir)) << "the group removes what it made";
}

TEST_F(UnifiedHost, AGroupGoneReadsAsNoQuotaAndZeroCounters) {
  auto h = prepare_cpu_hierarchy(layout());
  ASSERT_TRUE(h.has_value());
  CpuCgroup g(*h, "never-made");
  EXPECT_EQ(g.quota_usec(), -1);
  const CpuThrottling t = g.throttling();
  EXPECT_EQ(t.periods, 0);
  EXPECT_EQ(t.throttled_ns, 0);
  EXPECT_EQ(t.cpu_stall_usec, -1);
  EXPECT_FALSE(g.set_quota(20000, 100000).has_value());
}

TEST(CpuHierarchyLayout, NoCpuControllerAnywhereIsAClearError) {
  host::CgroupLayout none;
  auto h = prepare_cpu_hierarchy(none);
  ASSERT_FALSE(h.has_value());
  EXPECT_NE(h.error().message().find("needs the cpu controller"), std::string::npos)
      << h.error().message();
}

// This machine's real v1 cpu hierarchy and its cgroup2 twin: a process joins both, the quota
// is read back from the kernel, and the group is gone afterwards.
TEST(CpuCgroupV1, ARealGroupTakesAQuotaAndAProcess) {
  auto layout = host::read_cgroup_layout();
  ASSERT_TRUE(layout.has_value()) << layout.error().message();
  if (layout->v1_for("cpu") == nullptr) GTEST_SKIP() << "no cgroup v1 cpu controller here";
  auto h = prepare_cpu_hierarchy(*layout);
  if (!h) GTEST_SKIP() << "no writable cgroup v1 cpu controller: " << h.error().message();
  EXPECT_FALSE(h->unified);
  const std::string name = "augur-demo-cg-test-" + std::to_string(::getpid());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  std::string dir;
  {
    CpuCgroup g(*h, name);
    dir = g.cpu_dir();
    ASSERT_TRUE(g.create().has_value());
    ASSERT_TRUE(g.set_quota(30000, 100000).has_value());
    EXPECT_EQ(g.quota_usec(), 30000);
    EXPECT_EQ(slurp(dir + "/cpu.cfs_period_us"), "100000\n");
    ASSERT_TRUE(g.join(child).has_value());
    EXPECT_EQ(slurp(dir + "/cgroup.procs"), std::to_string(child) + "\n");
    if (!h->unified_root.empty()) {
      EXPECT_EQ(slurp(h->unified_root + "/" + name + "/cgroup.procs"),
                std::to_string(child) + "\n");
      EXPECT_GE(g.throttling().cpu_stall_usec, 0) << "cgroup2 pressure read";
    }
    EXPECT_GE(g.throttling().periods, 0);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  }
  EXPECT_FALSE(fs::exists(dir));
  if (!h->unified_root.empty()) {
    EXPECT_FALSE(fs::exists(h->unified_root + "/" + name));
  }
}

TEST_F(UnifiedHost, AnEnabledMemoryControllerIsUsedAsItIs) {
  auto h = prepare_memory_hierarchy(layout());
  ASSERT_TRUE(h.has_value()) << h.error().message();
  EXPECT_TRUE(h->unified);
  EXPECT_EQ(h->controller, "memory");
  EXPECT_EQ(slurp(root_ / "cgroup.subtree_control"), "memory pids\n") << "already enabled";
}

TEST_F(UnifiedHost, NoMemoryControllerIsAClearError) {
  put(root_ / "cgroup.controllers", "cpuset cpu io pids\n");
  auto h = prepare_memory_hierarchy(layout());
  ASSERT_FALSE(h.has_value());
  EXPECT_NE(h.error().message().find("no memory controller"), std::string::npos)
      << h.error().message();
  EXPECT_NE(h.error().message().find("cpuset cpu io pids"), std::string::npos)
      << "says what the tree offers: " << h.error().message();
}

// On cgroup v2 the limit is memory.high, as Augur's v2 backend sets it: above it the kernel
// reclaims and throttles the group, where memory.max would kill it.
TEST_F(UnifiedHost, AMemoryGroupSetsMemoryHighAndReadsItsUse) {
  auto h = prepare_memory_hierarchy(layout());
  ASSERT_TRUE(h.has_value()) << h.error().message();
  const fs::path dir = root_ / "augur-demo-db";
  {
    MemoryCgroup g(*h, "augur-demo-db");
    EXPECT_EQ(g.memory_dir(), dir.string());
    ASSERT_TRUE(g.create().has_value());
    put(dir / "memory.high", "max\n");
    put(dir / "memory.current", "52428800\n");
    put(dir / "memory.stat",
        "anon 4194304\nfile 48234496\nactive_file 31457280\n"
        "inactive_file 16777216\n");
    put(dir / "memory.pressure",
        "some avg10=12.00 avg60=3.00 avg300=0.50 total=2500000\n"
        "full avg10=10.00 avg60=2.00 avg300=0.40 total=2000000\n");
    put(dir / "io.pressure",
        "some avg10=30.00 avg60=8.00 avg300=1.50 total=7500000\n"
        "full avg10=28.00 avg60=7.00 avg300=1.40 total=7000000\n");
    put(dir / "cgroup.procs", "");
    EXPECT_EQ(g.limit_bytes(), -1) << "max: unlimited";
    ASSERT_TRUE(g.set_limit(50331648).has_value());
    EXPECT_EQ(slurp(dir / "memory.high"), "50331648");
    EXPECT_EQ(g.limit_bytes(), 50331648);
    const MemoryUse u = g.use();
    EXPECT_EQ(u.usage_bytes, 52428800);
    EXPECT_EQ(u.working_set_bytes, 52428800 - 16777216) << "usage less inactive file cache";
    EXPECT_EQ(u.memory_stall_usec, 2500000);
    EXPECT_EQ(u.io_stall_usec, 7500000);
    ASSERT_TRUE(g.join(4242).has_value());
    EXPECT_EQ(slurp(dir / "cgroup.procs"), "4242");
    for (const char* f : {"memory.high", "memory.current", "memory.stat", "memory.pressure",
                          "io.pressure", "cgroup.procs"}) {
      fs::remove(dir / f);
    }
  }
  EXPECT_FALSE(fs::exists(dir)) << "the group removes what it made";
}

TEST_F(UnifiedHost, AMemoryGroupGoneReadsAsUnknown) {
  auto h = prepare_memory_hierarchy(layout());
  ASSERT_TRUE(h.has_value());
  MemoryCgroup g(*h, "never-made");
  EXPECT_EQ(g.limit_bytes(), -1);
  const MemoryUse u = g.use();
  EXPECT_EQ(u.usage_bytes, -1);
  EXPECT_EQ(u.working_set_bytes, -1);
  EXPECT_EQ(u.memory_stall_usec, -1);
  EXPECT_EQ(u.io_stall_usec, -1);
  EXPECT_FALSE(g.set_limit(50331648).has_value());
}

// This machine's real v1 memory hierarchy and its cgroup2 twin: the limit is the kernel's,
// and a process's page cache is charged to the group.
TEST(MemoryCgroupV1, ARealGroupTakesALimitAndChargesItsPageCache) {
  auto layout = host::read_cgroup_layout();
  ASSERT_TRUE(layout.has_value()) << layout.error().message();
  if (layout->v1_for("memory") == nullptr) GTEST_SKIP() << "no cgroup v1 memory controller here";
  auto h = prepare_memory_hierarchy(*layout);
  if (!h) GTEST_SKIP() << "no writable cgroup v1 memory controller: " << h.error().message();
  const std::string name = "augur-demo-mem-test-" + std::to_string(::getpid());
  MemoryCgroup g(*h, name);
  ASSERT_TRUE(g.create().has_value());
  ASSERT_TRUE(g.set_limit(64L << 20).has_value());
  EXPECT_EQ(g.limit_bytes(), 64L << 20);
  const MemoryUse empty = g.use();
  EXPECT_GE(empty.usage_bytes, 0);
  EXPECT_GE(empty.working_set_bytes, 0);
  if (!h->unified_root.empty()) {
    EXPECT_GE(empty.memory_stall_usec, 0) << "cgroup2 pressure read";
    EXPECT_GE(empty.io_stall_usec, 0) << "cgroup2 pressure read";
  }
  // A child in the group writes 8 MiB to a file on a disk and exits: the cache stays charged.
  const std::string file = "/var/tmp/augur-demo-mem-test-" + std::to_string(::getpid());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!g.join(::getpid())) ::_exit(2);
    std::ofstream out(file);
    const std::string mib(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) out << mib;
    out.flush();
    ::_exit(out ? 0 : 3);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_GE(g.use().usage_bytes, 8L << 20) << "the child's page cache is the group's";
  fs::remove(file);  // its cache goes with it, and the group can be removed
  g.remove();
  EXPECT_FALSE(fs::exists(h->root + "/" + name));
}

}  // namespace
}  // namespace augur::demo
