// The cgroup v2 backend against a writable copy of the pure-cgroup2 fixture (this machine's
// cgroup2 mount has no cpu, memory or io controller): the exact bytes written to cpu.max,
// cpu.weight, memory.high, memory.max and io.max, and values read back. And the real
// cgroup2 mount of this machine, to show the backend says why it cannot act there.
#include "augur/actuate/cgroup_v2_backend.h"

#include <gtest/gtest.h>

#include <cmath>

#include "augur/host/cgroup_layout.h"
#include "test_cgroup.h"

namespace augur::actuate {
namespace {

using testing::slurp;
using testing::spit;
using testing::V2Fixture;

constexpr double kMiB = 1024.0 * 1024.0;

TEST(CgroupV2Backend, ReadsTheFixtureAllocations) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  const auto vm = V2Fixture::vm_scope();
  auto cpu = backend.read(vm, Resource::kCpu);
  ASSERT_TRUE(cpu) << cpu.error().message();
  EXPECT_DOUBLE_EQ(*cpu, 2.0);  // "200000 100000"
  auto disk = backend.read(vm, Resource::kDisk);
  ASSERT_TRUE(disk) << disk.error().message();
  EXPECT_DOUBLE_EQ(*disk, 52428800.0);  // the larger of rbps and wbps on 8:0
  auto memory = backend.read(vm, Resource::kMemory);
  ASSERT_TRUE(memory) << memory.error().message();
  EXPECT_TRUE(std::isnan(*memory));  // memory.high "max"

  auto container_cpu = backend.read(V2Fixture::container(), Resource::kCpu);
  ASSERT_TRUE(container_cpu);
  EXPECT_TRUE(std::isnan(*container_cpu));  // "max 100000"
}

TEST(CgroupV2Backend, CpuMaxExactBytesKeepThePeriod) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  const auto vm = V2Fixture::vm_scope();
  auto rb = backend.apply(vm, Resource::kCpu, 0.5);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("cpu.max")), "50000 100000\n");
  EXPECT_DOUBLE_EQ(*rb, 0.5);

  // Someone set a 250 ms period: the quota follows it.
  spit(fx.vm_file("cpu.max"), "500000 250000\n");
  rb = backend.apply(vm, Resource::kCpu, 1.5);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("cpu.max")), "375000 250000\n");
  EXPECT_DOUBLE_EQ(*rb, 1.5);

  rb = backend.apply(vm, Resource::kCpu, std::nan(""));
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("cpu.max")), "max 250000\n");
  EXPECT_TRUE(std::isnan(*rb));
  // Weight untouched unless asked for.
  EXPECT_EQ(slurp(fx.vm_file("cpu.weight")), "100\n");
}

TEST(CgroupV2Backend, CpuWeightExactBytesWhenEnabled) {
  V2Fixture fx;
  CgroupV2Options options;
  options.cpu_weight = true;
  CgroupV2Backend backend(fx.mount_point(), options);
  const auto vm = V2Fixture::vm_scope();
  ASSERT_TRUE(backend.apply(vm, Resource::kCpu, 2.0));
  EXPECT_EQ(slurp(fx.vm_file("cpu.max")), "200000 100000\n");
  EXPECT_EQ(slurp(fx.vm_file("cpu.weight")), "79\n");  // 2048 shares
  ASSERT_TRUE(backend.apply(vm, Resource::kCpu, 1.0));
  EXPECT_EQ(slurp(fx.vm_file("cpu.weight")), "39\n");  // 1024 shares
  ASSERT_TRUE(backend.apply(vm, Resource::kCpu, std::nan("")));
  EXPECT_EQ(slurp(fx.vm_file("cpu.weight")), "39\n");  // unlimited: the default 1024 shares
}

TEST(CgroupV2Backend, MemoryHighExactBytesPageRounded) {
  V2Fixture fx;
  CgroupV2Options options;
  options.page_bytes = 4096;
  CgroupV2Backend backend(fx.mount_point(), options);
  const auto vm = V2Fixture::vm_scope();
  const std::string max_before = slurp(fx.vm_file("memory.max"));
  auto rb = backend.apply(vm, Resource::kMemory, 512 * kMiB + 100);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("memory.high")), "536870912\n");
  EXPECT_DOUBLE_EQ(*rb, 512 * kMiB);
  EXPECT_EQ(slurp(fx.vm_file("memory.max")), max_before);  // memory.max only when configured

  rb = backend.apply(vm, Resource::kMemory, std::nan(""));
  ASSERT_TRUE(rb);
  EXPECT_EQ(slurp(fx.vm_file("memory.high")), "max\n");
  EXPECT_TRUE(std::isnan(*rb));
}

TEST(CgroupV2Backend, MemoryMaxFollowsHighWhenConfigured) {
  V2Fixture fx;
  CgroupV2Options options;
  options.page_bytes = 4096;
  options.memory_max_factor = 1.5;
  CgroupV2Backend backend(fx.mount_point(), options);
  auto rb = backend.apply(V2Fixture::vm_scope(), Resource::kMemory, 512 * kMiB);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("memory.high")), "536870912\n");
  EXPECT_EQ(slurp(fx.vm_file("memory.max")), "805306368\n");
  EXPECT_DOUBLE_EQ(*rb, 512 * kMiB);  // the read-back is memory.high
}

TEST(CgroupV2Backend, IoMaxExactBytesOneLinePerDevice) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  auto vm = V2Fixture::vm_scope();
  vm.disks = {"8:0", "8:16", "8:0"};  // duplicates written once
  auto before = backend.read(vm, Resource::kDisk);
  ASSERT_TRUE(before);
  EXPECT_TRUE(std::isnan(*before));  // 8:16 has no line: unlimited

  // The instance's 1 MiB/s split over its two devices.
  auto rb = backend.apply(vm, Resource::kDisk, 1048576);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("io.max")),
            "8:0 rbps=524288 wbps=524288\n8:16 rbps=524288 wbps=524288\n");
  EXPECT_DOUBLE_EQ(*rb, 1048576.0);

  rb = backend.apply(vm, Resource::kDisk, std::nan(""));
  ASSERT_TRUE(rb);
  EXPECT_EQ(slurp(fx.vm_file("io.max")), "8:0 rbps=max wbps=max\n8:16 rbps=max wbps=max\n");
  EXPECT_TRUE(std::isnan(*rb));
}

TEST(CgroupV2Backend, RefusesValuesTheKernelWouldNotTakeWithoutWriting) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  const auto vm = V2Fixture::vm_scope();
  const auto before = fx.snapshot();
  for (const auto& [r, v] : std::vector<std::pair<Resource, double>>{{Resource::kCpu, 0.0},
                                                                     {Resource::kCpu, -1.0},
                                                                     {Resource::kMemory, -4096.0},
                                                                     {Resource::kDisk, 1.0},
                                                                     {Resource::kDisk, 1e300}}) {
    auto rb = backend.apply(vm, r, v);
    ASSERT_FALSE(rb) << resource_name(r) << " " << v;
    EXPECT_EQ(rb.error().errno_value, EINVAL) << rb.error().message();
  }
  EXPECT_EQ(fx.snapshot(), before);
}

TEST(CgroupV2Backend, GarbageInAKnobFileIsAnErrorAndNotOverwritten) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  spit(fx.vm_file("cpu.max"), "lots 100000\n");
  auto rb = backend.apply(V2Fixture::vm_scope(), Resource::kCpu, 1.0);
  ASSERT_FALSE(rb);
  EXPECT_NE(rb.error().where.find("cpu.max"), std::string::npos) << rb.error().message();
  EXPECT_EQ(slurp(fx.vm_file("cpu.max")), "lots 100000\n");
}

TEST(CgroupV2Backend, VanishedCgroupIsENOENT) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  auto gone = V2Fixture::vm_scope();
  gone.cgroups = {CgroupRef{"", "/machine.slice/gone.scope"}};
  auto rb = backend.apply(gone, Resource::kMemory, 512 * kMiB);
  ASSERT_FALSE(rb);
  EXPECT_EQ(rb.error().errno_value, ENOENT) << rb.error().message();
  EXPECT_TRUE(backend.unsupported(gone, Resource::kCpu).has_value());
}

TEST(CgroupV2Backend, SaysWhatItCannotDo) {
  V2Fixture fx;
  CgroupV2Backend backend(fx.mount_point());
  const auto vm = V2Fixture::vm_scope();
  EXPECT_FALSE(backend.unsupported(vm, Resource::kCpu));
  EXPECT_FALSE(backend.unsupported(vm, Resource::kMemory));
  EXPECT_FALSE(backend.unsupported(vm, Resource::kDisk));
  auto net = backend.unsupported(vm, Resource::kNetwork);
  ASSERT_TRUE(net);
  EXPECT_NE(net->find("traffic control"), std::string::npos) << *net;

  // The docker scope has no io controller (no io.max).
  auto io = backend.unsupported(V2Fixture::container(), Resource::kDisk);
  ASSERT_TRUE(io);
  EXPECT_NE(io->find("io"), std::string::npos) << *io;

  auto named = vm;
  named.disks = {"vda"};
  auto not_dev = backend.unsupported(named, Resource::kDisk);
  ASSERT_TRUE(not_dev);
  EXPECT_NE(not_dev->find("'vda'"), std::string::npos) << *not_dev;

  auto v1_only = vm;
  v1_only.cgroups = {CgroupRef{"cpu", "/x"}};
  EXPECT_TRUE(backend.unsupported(v1_only, Resource::kCpu));
}

TEST(CgroupV2Backend, ThisHostsCgroup2HasNoCpuController) {
  auto layout = host::read_cgroup_layout();
  ASSERT_TRUE(layout) << layout.error().message();
  if (!layout->unified) GTEST_SKIP() << "no cgroup2 mount on this host";
  auto backend = CgroupV2Backend::from_layout(*layout);
  ASSERT_TRUE(backend) << backend.error().message();
  const std::string root = layout->unified->mount_point;
  if (testing::slurp(root + "/cgroup.controllers").find("cpu") != std::string::npos) {
    GTEST_SKIP() << "this host's cgroup2 has the cpu controller: the fixture tests cover it";
  }
  Instance self;
  self.id = "cgroup:/";
  self.kind = InstanceKind::kProcess;
  self.cgroups = {CgroupRef{"", "/"}};
  auto why = backend->unsupported(self, Resource::kCpu);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("no cpu controller"), std::string::npos) << *why;
  EXPECT_NE(why->find("cgroup v1"), std::string::npos) << *why;
}

TEST(CgroupV2Backend, FromLayoutNeedsACgroup2Mount) {
  host::CgroupLayout v1_only;
  v1_only.mode = host::CgroupMode::kV1;
  EXPECT_FALSE(CgroupV2Backend::from_layout(v1_only));
}

}  // namespace
}  // namespace augur::actuate
