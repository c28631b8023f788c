#include "augur/discovery/cgroup_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "../host/temp_tree.h"

namespace augur::discovery {
namespace {

using augur::testing::TempTree;

// mountinfo of a hybrid host (this machine's layout): v1 controllers + cgroup2 "unified".
constexpr const char* kHybridMountinfo =
    "30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n"
    "31 25 0:27 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu\n"
    "32 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup "
    "rw,memory\n";
constexpr const char* kV1Mountinfo =
    "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "32 25 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";

CgroupSourceOptions fixture_options(const TempTree& t, std::vector<std::string> patterns) {
  CgroupSourceOptions o;
  o.patterns = std::move(patterns);
  o.proc_root = t.path("proc");
  o.cgroup_root = t.path("cgroup");
  return o;
}

TEST(CgroupSource, MatchesGlobsUnderUnifiedHierarchyWithAllThreads) {
  TempTree t;
  t.make_file("proc/self/mountinfo", kHybridMountinfo);
  t.make_file("cgroup/unified/machine.slice/web-1.scope/cgroup.threads", "101\n102\n103\n");
  t.make_file("cgroup/unified/machine.slice/web-1.scope/cgroup.procs", "101\n");
  t.make_file("cgroup/unified/machine.slice/db-1.scope/cgroup.threads", "201\n");
  t.make_file("cgroup/unified/machine.slice/other.service/cgroup.threads", "301\n");
  t.make_dir("cgroup/memory/machine.slice/web-1.scope");
  auto o = fixture_options(t, {"machine.slice/*.scope"});
  o.type_rules = {{"machine.slice/db-*", "database"}, {"machine.slice/*", "web"}};
  CgroupSource source(o);
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 2u);
  const Instance& db = (*found)[0];
  const Instance& web = (*found)[1];
  EXPECT_EQ(db.id, "cgroup:/machine.slice/db-1.scope");
  EXPECT_EQ(db.name, "db-1.scope");
  EXPECT_EQ(db.app_type, "database");
  EXPECT_EQ(web.app_type, "web");
  EXPECT_EQ(web.kind, InstanceKind::kContainer);
  EXPECT_EQ(web.thread_ids, (std::vector<pid_t>{101, 102, 103}));
  EXPECT_EQ(web.main_pid, 101);
  EXPECT_EQ(web.cgroups, (std::vector<CgroupRef>{{"", "/machine.slice/web-1.scope"},
                                                 {"memory", "/machine.slice/web-1.scope"}}));
}

TEST(CgroupSource, UsesV1CpuHierarchyAndTasksWithoutCgroup2) {
  TempTree t;
  t.make_file("proc/self/mountinfo", kV1Mountinfo);
  t.make_file("cgroup/cpu,cpuacct/kubepods/pod1/c1/tasks", "11\n12\n");
  CgroupSource source(fixture_options(t, {"kubepods/*/*"}));
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, "cgroup:/kubepods/pod1/c1");
  EXPECT_EQ((*found)[0].thread_ids, (std::vector<pid_t>{11, 12}));
  EXPECT_EQ((*found)[0].cgroups.front(), (CgroupRef{"cpu", "/kubepods/pod1/c1"}));
  EXPECT_EQ((*found)[0].app_type, "");
}

TEST(CgroupSource, RejectsPatternsLeavingTheHierarchy) {
  TempTree t;
  t.make_file("proc/self/mountinfo", kHybridMountinfo);
  CgroupSource source(fixture_options(t, {"../../etc"}));
  EXPECT_FALSE(source.discover());
}

TEST(CgroupSource, MalformedThreadListIsAnErrorNamingTheFile) {
  TempTree t;
  t.make_file("proc/self/mountinfo", kHybridMountinfo);
  t.make_file("cgroup/unified/a/cgroup.threads", "12\nabc\n");
  CgroupSource source(fixture_options(t, {"a"}));
  auto found = source.discover();
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().where.find("cgroup.threads"), std::string::npos);
}

TEST(CgroupSource, NoMatchIsNoInstance) {
  TempTree t;
  t.make_file("proc/self/mountinfo", kHybridMountinfo);
  t.make_dir("cgroup/unified");
  CgroupSource source(fixture_options(t, {"machine.slice/*.scope"}));
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_TRUE(found->empty());
}

TEST(CgroupCounting, CountsPerCgroupAboveThreshold) {
  EXPECT_FALSE(count_per_cgroup(64, 64));
  EXPECT_TRUE(count_per_cgroup(65, 64));
  EXPECT_FALSE(count_per_cgroup(1, 1));
}

TEST(CgroupTypeRules, FirstMatchingRuleWinsAndStarStaysInOneLevel) {
  const std::vector<config::CgroupTypeRule> rules = {{"kubepods/*/db-*", "database"},
                                                     {"kubepods/*", "pod"}};
  EXPECT_EQ(app_type_for_cgroup("/kubepods/p1/db-0", rules), "database");
  EXPECT_EQ(app_type_for_cgroup("kubepods/p1", rules), "pod");
  EXPECT_EQ(app_type_for_cgroup("kubepods/p1/web-0", rules), "");
}

// Real cgroup2 tree of this machine: cgroups made by the test, a real child process inside,
// everything removed afterwards even when an assertion fails.
class RealCgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(kUnified) + "/cgroup.procs")) {
      GTEST_SKIP() << "no cgroup2 tree at " << kUnified;
    }
    base_ = "augur-test-" + std::to_string(::getpid());
    std::filesystem::create_directories(std::string(kUnified) + "/" + base_ + "/web-1");
    std::filesystem::create_directories(std::string(kUnified) + "/" + base_ + "/empty");
    child_ = ::fork();
    if (child_ == 0) {
      ::pause();
      ::_exit(0);
    }
    std::ofstream(std::string(kUnified) + "/" + base_ + "/web-1/cgroup.procs")
        << child_ << std::endl;
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    if (!base_.empty()) {
      ::rmdir((std::string(kUnified) + "/" + base_ + "/web-1").c_str());
      ::rmdir((std::string(kUnified) + "/" + base_ + "/empty").c_str());
      ::rmdir((std::string(kUnified) + "/" + base_).c_str());
    }
  }
  static constexpr const char* kUnified = "/sys/fs/cgroup/unified";
  std::string base_;
  pid_t child_ = -1;
};

TEST_F(RealCgroupTree, DiscoversTestCgroupsWithTheProcessInside) {
  CgroupSourceOptions o;
  o.patterns = {base_ + "/*"};
  o.type_rules = {{base_ + "/web-*", "web"}};
  CgroupSource source(o);
  auto found = source.discover();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 2u);
  const Instance& empty = (*found)[0];
  const Instance& web = (*found)[1];
  EXPECT_EQ(empty.id, "cgroup:/" + base_ + "/empty");
  EXPECT_TRUE(empty.thread_ids.empty());
  EXPECT_EQ(web.id, "cgroup:/" + base_ + "/web-1");
  EXPECT_EQ(web.name, "web-1");
  EXPECT_EQ(web.app_type, "web");
  EXPECT_EQ(web.thread_ids, std::vector<pid_t>{child_});
  EXPECT_EQ(web.main_pid, child_);
  ASSERT_FALSE(web.cgroups.empty());
  EXPECT_EQ(web.cgroups[0], (CgroupRef{"", "/" + base_ + "/web-1"}));
}

}  // namespace
}  // namespace augur::discovery
