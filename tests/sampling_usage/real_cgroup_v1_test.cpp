// Real cgroup v1 controllers of this machine (cpu, cpuacct, memory mounted writable under
// /sys/fs/cgroup/<controller>): a CPU burner under a 20 % quota and a 64 MiB allocator, read
// by the same UsageReader as fixtures.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "augur/host/cgroup_layout.h"
#include "augur/host/proc_pid.h"
#include "augur/sampling/usage/rates.h"
#include "augur/sampling/usage/usage_reader.h"
#include "scratch_cgroups.h"

namespace augur::sampling {
namespace {

using augur::testing::ScratchCgroups;
using namespace std::chrono_literals;

constexpr std::size_t kAllocBytes = 64u << 20;

// The test's cgroup as a child of this process's own cgroup in `controller`'s hierarchy.
std::string child_path(const std::vector<CgroupRef>& self, const std::string& controller,
                       const std::string& name) {
  for (const auto& r : self) {
    if (r.controller == controller) return (r.path == "/" ? "" : r.path) + "/" + name;
  }
  return "/" + name;
}

TEST(RealCgroupV1, SeesQuotaLimitedUsageThrottlingAndMemory) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout.has_value()) << layout.error().message();
  for (const char* c : {"cpu", "cpuacct", "memory"}) {
    ASSERT_NE(layout->v1_for(c), nullptr) << "this machine mounts v1 " << c;
  }
  const auto self = host::read_proc_cgroup("/proc", ::getpid()).value();
  const std::string name = "augur-test-" + std::to_string(::getpid()) + "-usage";

  ScratchCgroups scratch;
  Instance inst;
  inst.id = "cgroup:" + name;
  std::vector<std::string> dirs;
  for (const char* c : {"cpu", "cpuacct", "memory"}) {
    CgroupRef ref{c, child_path(self, c, name)};
    const auto dir = layout->directory(ref);
    ASSERT_TRUE(dir.has_value());
    // cpu and cpuacct may be one co-mounted hierarchy: make each directory once.
    if (std::find(dirs.begin(), dirs.end(), *dir) == dirs.end()) {
      ASSERT_TRUE(scratch.make_dir(*dir)) << *dir << ": " << std::strerror(errno);
      dirs.push_back(*dir);
    }
    inst.cgroups.push_back(ref);
  }
  const std::string cpu_dir = *layout->directory(inst.cgroups[0]);
  const std::string mem_dir = *layout->directory(inst.cgroups[2]);
  ASSERT_TRUE(ScratchCgroups::write(cpu_dir + "/cpu.cfs_period_us", "100000"));
  ASSERT_TRUE(ScratchCgroups::write(cpu_dir + "/cpu.cfs_quota_us", "20000"));
  ASSERT_TRUE(
      ScratchCgroups::write(mem_dir + "/memory.limit_in_bytes", std::to_string(256u << 20)));

  // Children wait on a pipe until they are in the cgroups, so every page is charged there.
  int go[2], ready[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t burner = scratch.spawn([&] {
    char c;
    (void)::read(go[0], &c, 1);
    volatile std::uint64_t spin = 0;
    for (;;) spin = spin + 1;
  });
  const pid_t allocator = scratch.spawn([&] {
    char c;
    (void)::read(go[0], &c, 1);
    void* p =
        ::mmap(nullptr, kAllocBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(1);
    std::memset(p, 0x5a, kAllocBytes);  // touch every page
    (void)::write(ready[1], "r", 1);
    for (;;) ::pause();
  });
  ASSERT_GT(burner, 0);
  ASSERT_GT(allocator, 0);
  for (const auto& d : dirs) {
    ASSERT_TRUE(ScratchCgroups::write(d + "/cgroup.procs", std::to_string(burner))) << d;
    ASSERT_TRUE(ScratchCgroups::write(d + "/cgroup.procs", std::to_string(allocator))) << d;
  }
  ASSERT_EQ(::write(go[1], "gg", 2), 2);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "allocator touched its memory";
  for (int fd : {go[0], go[1], ready[0], ready[1]}) ::close(fd);
  inst.main_pid = burner;
  inst.thread_ids = {burner, allocator};

  UsageReader reader(*layout);
  const auto t0 = std::chrono::steady_clock::now();
  const UsageRaw first = reader.read(inst);
  std::this_thread::sleep_for(1s);
  const auto t1 = std::chrono::steady_clock::now();
  const UsageRaw second = reader.read(inst);
  Sample s;
  derive_usage_rates(first, second, t1 - t0, s);

  for (Metric m :
       {Metric::kCpuUsageCores, Metric::kCpuThrottledShare, Metric::kCpuThrottledPeriodsShare,
        Metric::kRunqueueWaitShare, Metric::kMemoryBytes}) {
    if (s.has(m)) RecordProperty(std::string(metric_name(m)), std::to_string(s.get(m)));
  }
  ASSERT_TRUE(s.has(Metric::kCpuUsageCores));
  const double cores = s.get(Metric::kCpuUsageCores);
  EXPECT_GT(cores, 0.05) << "the burner ran (2 shared CPUs: loose lower bound)";
  EXPECT_LT(cores, 0.3) << "quota 20000/100000 holds it near 0.2 cores";
  ASSERT_TRUE(s.has(Metric::kCpuThrottledShare));
  EXPECT_GT(s.get(Metric::kCpuThrottledShare), 0.0);
  ASSERT_TRUE(s.has(Metric::kCpuThrottledPeriodsShare));
  EXPECT_GT(s.get(Metric::kCpuThrottledPeriodsShare), 0.2);
  ASSERT_TRUE(s.has(Metric::kMemoryBytes));
  EXPECT_GE(s.get(Metric::kMemoryBytes), static_cast<double>(kAllocBytes));
  EXPECT_GE(s.get(Metric::kMemoryAnonBytes), static_cast<double>(kAllocBytes) * 0.9);
  EXPECT_TRUE(s.has(Metric::kRunqueueWaitShare));
  EXPECT_DOUBLE_EQ(s.allocation[Resource::kCpu], 0.2);
  EXPECT_DOUBLE_EQ(s.allocation[Resource::kMemory], 256.0 * (1 << 20));
  EXPECT_FALSE(s.has(Metric::kCpuPressureSome)) << "no own cgroup2 directory, v1 has no PSI";
  reader.forget(inst.id);
  EXPECT_EQ(reader.open_files(), 0u);
}

}  // namespace
}  // namespace augur::sampling
