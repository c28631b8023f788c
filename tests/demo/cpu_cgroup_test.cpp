// The demo's CPU cgroups on both versions: cgroup v2 only hosts (most current distributions)
// through a fixture tree, as this machine's cgroup2 has no cpu controller; cgroup v1 (with
// its cgroup2 twin, a hybrid host) on this machine's real hierarchies.
#include "cpu_cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "augur/host/cgroup_layout.h"

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
  EXPECT_EQ(h->cpu_root, root_.string());
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

}  // namespace
}  // namespace augur::demo
