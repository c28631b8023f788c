#include "augur/host/cgroup_layout.h"

#include <gtest/gtest.h>

#include "augur/host/open_file.h"
#include "temp_tree.h"

namespace augur::host {
namespace {

using augur::testing::fixture;

CgroupLayout layout_of(const std::string& name) {
  auto l = read_cgroup_layout(fixture("cgroup/" + name + "/proc"));
  EXPECT_TRUE(l.has_value()) << (l ? "" : l.error().message());
  return l ? *l : CgroupLayout{};
}

TEST(CgroupLayout, DetectsThisMachinesHybridWithSeparateCpuAndCpuacct) {
  const auto l = layout_of("hybrid-unified-no-controllers");
  EXPECT_EQ(l.mode, CgroupMode::kHybrid);
  ASSERT_TRUE(l.unified.has_value());
  EXPECT_EQ(l.unified->mount_point, "/sys/fs/cgroup/unified");
  ASSERT_NE(l.v1_for("cpu"), nullptr);
  ASSERT_NE(l.v1_for("cpuacct"), nullptr);
  EXPECT_EQ(l.v1_for("cpu")->mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(l.v1_for("cpuacct")->mount_point, "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(l.v1_for("memory")->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(l.v1_for("blkio")->mount_point, "/sys/fs/cgroup/blkio");
  EXPECT_EQ(l.v1_for("systemd"), nullptr) << "name=systemd is a named hierarchy, not a controller";
  const auto named =
      std::find_if(l.v1.begin(), l.v1.end(), [](auto& m) { return m.name == "systemd"; });
  ASSERT_NE(named, l.v1.end());
  EXPECT_TRUE(named->controllers.empty());
}

TEST(CgroupLayout, DetectsPureV2SystemdHost) {
  const auto l = layout_of("cgroup2-systemd-machine-slice");
  EXPECT_EQ(l.mode, CgroupMode::kUnified);
  ASSERT_TRUE(l.unified.has_value());
  EXPECT_EQ(l.unified->mount_point, "/sys/fs/cgroup");
  EXPECT_TRUE(l.v1.empty());
  EXPECT_EQ(l.directory({"", "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"}),
            "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2dvm.scope");
  EXPECT_EQ(l.directory({"", "/"}), "/sys/fs/cgroup");
  EXPECT_EQ(l.directory({"cpu", "/x"}), std::nullopt) << "no v1 hierarchy on a pure v2 host";
}

TEST(CgroupLayout, DetectsV1HostWithCpuAndCpuacctCoMounted) {
  const auto l = layout_of("cgroup1-systemd-cpu-cpuacct-comounted");
  EXPECT_EQ(l.mode, CgroupMode::kV1);
  EXPECT_FALSE(l.unified.has_value());
  ASSERT_NE(l.v1_for("cpu"), nullptr);
  EXPECT_EQ(l.v1_for("cpu"), l.v1_for("cpuacct"));
  EXPECT_EQ(l.v1_for("cpu")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(l.v1_for("net_prio")->mount_point, "/sys/fs/cgroup/net_cls,net_prio");
  EXPECT_EQ(l.directory({"cpuacct", "/machine.slice/a.scope"}, "/fixture"),
            "/fixture/sys/fs/cgroup/cpu,cpuacct/machine.slice/a.scope");
}

TEST(CgroupLayout, DetectsSystemdHybridWithUnifiedMount) {
  const auto l = layout_of("hybrid-systemd");
  EXPECT_EQ(l.mode, CgroupMode::kHybrid);
  EXPECT_EQ(l.unified->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(l.v1_for("cpu")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(l.v1_for("rdma")->mount_point, "/sys/fs/cgroup/rdma");
}

TEST(CgroupLayout, RealMountinfoOfThisMachineMatchesItsCheckedInCopy) {
  auto real = read_cgroup_layout("/proc");
  ASSERT_TRUE(real.has_value()) << real.error().message();
  EXPECT_EQ(*real, layout_of("hybrid-unified-no-controllers"));
}

TEST(CgroupLayout, OnlyNamedV1HierarchyBesideCgroup2IsUnified) {
  auto l = parse_mountinfo(
      "25 24 0:21 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "26 24 0:22 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->mode, CgroupMode::kUnified);
}

TEST(CgroupLayout, NoCgroupMountIsModeNone) {
  auto l = parse_mountinfo("22 27 0:21 / /proc rw,relatime - proc proc rw\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->mode, CgroupMode::kNone);
  EXPECT_EQ(l->directory({"", "/a"}), std::nullopt);
}

TEST(CgroupLayout, UnescapesOctalInMountPoints) {
  auto l = parse_mountinfo("31 23 0:28 / /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->unified->mount_point, "/mnt/my cgroups");
}

TEST(CgroupLayout, OptionalFieldsBeforeTheSeparatorAreSkipped) {
  auto l = parse_mountinfo(
      "28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 master:3 - cgroup cgroup "
      "rw,cpu,cpuacct\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->v1_for("cpuacct")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(CgroupLayout, StripsTheMountRootInsideACgroupNamespace) {
  auto l = parse_mountinfo("31 23 0:28 /lxc/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->directory({"", "/lxc/c1/app.scope"}), "/sys/fs/cgroup/app.scope");
  EXPECT_EQ(l->directory({"", "/lxc/c1"}), "/sys/fs/cgroup");
  EXPECT_EQ(l->directory({"", "/lxc/c2/app.scope"}), std::nullopt);
  EXPECT_EQ(l->directory({"", "/lxc/c10"}), std::nullopt);
}

TEST(CgroupLayout, RefusesPathsThatLeaveTheHierarchy) {
  auto l = parse_mountinfo("31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->directory({"", "/a/../../etc"}), std::nullopt);
  EXPECT_EQ(l->directory({"", "relative"}), std::nullopt);
}

TEST(CgroupLayout, FirstMountOfAHierarchyWins) {
  auto l = parse_mountinfo(
      "32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "90 80 0:29 / /var/lib/bind/memory rw - cgroup cgroup rw,memory\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->v1.size(), 1u);
  EXPECT_EQ(l->v1_for("memory")->mount_point, "/sys/fs/cgroup/memory");
}

TEST(CgroupLayout, MalformedMountinfoIsAnErrorNamingTheFile) {
  for (const char* text : {"", "\n\n", "31 23 0:28 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n",
                           "31 23 0:28 / /x rw - cgroup2\n", "garbage"}) {
    auto l = parse_mountinfo(text, "/fixture/mountinfo");
    ASSERT_FALSE(l.has_value()) << text;
    EXPECT_EQ(l.error().where, "/fixture/mountinfo");
  }
}

TEST(CgroupLayout, MissingMountinfoIsAnErrorWithErrno) {
  augur::testing::TempTree t;
  auto l = read_cgroup_layout(t.root());
  ASSERT_FALSE(l.has_value());
  EXPECT_EQ(l.error().errno_value, ENOENT);
  EXPECT_NE(l.error().where.find("self/mountinfo"), std::string::npos);
}

TEST(CgroupRoot, RebasesOnlyMountPointsAtOrUnderSysFsCgroup) {
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup/unified", "/t/sys/fs/cgroup"),
            "/t/sys/fs/cgroup/unified");
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup/cpu,cpuacct", "/t/cg/"), "/t/cg/cpu,cpuacct");
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup", "/t/cg"), "/t/cg");
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup/cpu", "/"), "/cpu");
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup", "/"), "/");
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroupfoo", "/t/cg"), "/sys/fs/cgroupfoo");
  EXPECT_EQ(rebase_mount_point("/cgroup/cpu", "/t/cg"), "/cgroup/cpu") << "not under the root";
  for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/", "/sys/fs/cgroup//"}) {
    EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup/memory", root), "/sys/fs/cgroup/memory") << root;
  }
  // A root that names one hierarchy is still a stand-in for /sys/fs/cgroup, never a no-op
  // for some mounts and a rewrite for others.
  EXPECT_EQ(rebase_mount_point("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/unified"),
            "/sys/fs/cgroup/unified/cpu");
}

TEST(CgroupRoot, RebasedLayoutFindsTheSameDirectoriesAsAFixturePrefix) {
  const std::string root = fixture("cgroup/cgroup1-libvirt-no-systemd");
  auto plain = read_cgroup_layout(root + "/proc");
  auto rebased = read_cgroup_layout(root + "/proc", root + "/sys/fs/cgroup");
  ASSERT_TRUE(plain && rebased);
  EXPECT_EQ(rebased->mode, plain->mode);
  EXPECT_EQ(rebased->v1_for("cpu")->mount_point, root + "/sys/fs/cgroup/cpu");
  for (const CgroupRef& ref : {CgroupRef{"cpu", "/machine/qemu-1-e2e-vm.libvirt-qemu"},
                               CgroupRef{"memory", "/machine"}, CgroupRef{"", "/"}}) {
    EXPECT_EQ(rebased->directory(ref), plain->directory(ref, root)) << ref.path;
  }
  EXPECT_EQ(read_cgroup_layout(root + "/proc", "/sys/fs/cgroup").value(), *plain);
}

TEST(CgroupRoot, RebaseKeepsTheMountRootOfACgroupNamespace) {
  auto l = parse_mountinfo("40 31 0:38 /lxc/ct1 /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(l);
  const CgroupLayout r = rebase_layout(*l, "/t/cg");
  EXPECT_EQ(r.unified->root, "/lxc/ct1");
  EXPECT_EQ(r.directory({"", "/lxc/ct1/app"}), "/t/cg/unified/app");
  EXPECT_EQ(r.directory({"", "/other"}), std::nullopt);
}

}  // namespace
}  // namespace augur::host
