// libvirt's layout without systemd, built by hand on this machine's real cgroups: a domain
// cgroup with no quota and vcpu0/vcpu1 children at 25000/100000 each (what `virsh schedinfo
// --set vcpu_quota=25000` writes), one CPU burner per vCPU cgroup standing in for a vCPU
// thread. Checks the kernel behaviour vcpu_cgroups.h relies on (throttling is counted in the
// vCPU cgroups only) and that the allocation read for the VM is the one the kernel enforces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "augur/host/cgroup_files.h"
#include "augur/host/cgroup_layout.h"
#include "augur/host/open_file.h"
#include "augur/host/proc_pid.h"
#include "augur/sampling/usage/rates.h"
#include "augur/sampling/usage/usage_reader.h"
#include "scratch_cgroups.h"

namespace augur::sampling {
namespace {

using augur::testing::ScratchCgroups;
using namespace std::chrono_literals;

std::string child_of_self(const std::vector<CgroupRef>& self, const std::string& controller,
                          const std::string& name) {
  for (const auto& r : self) {
    if (r.controller == controller) return (r.path == "/" ? "" : r.path) + "/" + name;
  }
  return "/" + name;
}

TEST(RealVcpuCgroups, VmAllocationIsTheSumOfItsVcpuQuotasAndThrottlingIsCountedThere) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout.has_value()) << layout.error().message();
  ASSERT_NE(layout->v1_for("cpu"), nullptr) << "this machine mounts v1 cpu";
  ASSERT_TRUE(layout->unified.has_value()) << "this machine mounts cgroup2";
  const auto self = host::read_proc_cgroup("/proc", ::getpid()).value();
  const std::string name = "augur-test-" + std::to_string(::getpid()) + "-vm.libvirt-qemu";

  ScratchCgroups scratch;
  const CgroupRef cpu_ref{"cpu", child_of_self(self, "cpu", name)};
  const CgroupRef v2_ref{"", child_of_self(self, "", name)};
  const std::string cpu_dir = layout->directory(cpu_ref).value();
  const std::string v2_dir = layout->directory(v2_ref).value();
  for (const std::string& base : {cpu_dir, v2_dir}) {
    for (const char* sub : {"", "/emulator", "/vcpu0", "/vcpu1"}) {
      ASSERT_TRUE(scratch.make_dir(base + sub)) << base + sub << ": " << std::strerror(errno);
    }
  }
  for (const char* vcpu : {"/vcpu0", "/vcpu1"}) {
    ASSERT_TRUE(ScratchCgroups::write(cpu_dir + vcpu + "/cpu.cfs_period_us", "100000"));
    ASSERT_TRUE(ScratchCgroups::write(cpu_dir + vcpu + "/cpu.cfs_quota_us", "25000"));
  }

  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  std::vector<pid_t> burners;
  for (int i = 0; i < 2; ++i) {
    burners.push_back(scratch.spawn([&] {
      char c;
      (void)::read(go[0], &c, 1);
      volatile std::uint64_t spin = 0;
      for (;;) spin = spin + 1;
    }));
    ASSERT_GT(burners.back(), 0);
    const std::string vcpu = "/vcpu" + std::to_string(i);
    for (const std::string& base : {cpu_dir, v2_dir}) {
      ASSERT_TRUE(
          ScratchCgroups::write(base + vcpu + "/cgroup.procs", std::to_string(burners.back())));
    }
  }
  ASSERT_EQ(::write(go[1], "gg", 2), 2);
  ::close(go[0]);
  ::close(go[1]);

  Instance vm;
  vm.id = "vm-uuid";
  vm.kind = InstanceKind::kVirtualMachine;
  vm.thread_ids = burners;
  // As discovery gives them: the domain's cgroup, never the vcpuN ones.
  vm.cgroups = {cpu_ref, v2_ref};

  UsageReader reader(*layout);
  const auto t0 = std::chrono::steady_clock::now();
  const UsageRaw first = reader.read(vm);
  std::this_thread::sleep_for(1s);
  const auto t1 = std::chrono::steady_clock::now();
  const UsageRaw second = reader.read(vm);
  Sample s;
  derive_usage_rates(first, second, t1 - t0, s);

  // The kernel: the domain (no quota) has no bandwidth periods; its vCPUs are throttled.
  const auto domain_stat = host::parse_cpu_stat_v1(host::read_file(cpu_dir + "/cpu.stat").value());
  const auto vcpu0_stat =
      host::parse_cpu_stat_v1(host::read_file(cpu_dir + "/vcpu0/cpu.stat").value());
  ASSERT_TRUE(domain_stat && vcpu0_stat);
  EXPECT_EQ(domain_stat->nr_periods, 0u);
  EXPECT_GT(vcpu0_stat->nr_throttled, 0u);

  ASSERT_TRUE(second.cpu_limit_cores.has()) << second.cpu_limit_cores.missing_reason;
  EXPECT_DOUBLE_EQ(*second.cpu_limit_cores.value, 0.5);
  EXPECT_DOUBLE_EQ(s.allocation[Resource::kCpu], 0.5);
  ASSERT_TRUE(s.has(Metric::kCpuUsageCores)) << "from the domain's cgroup2 cpu.stat";
  const double cores = s.get(Metric::kCpuUsageCores);
  RecordProperty("cpu_usage_cores", std::to_string(cores));
  EXPECT_GT(cores, 0.2) << "two burners ran (2 shared CPUs: loose lower bound)";
  // A 1 s window can hold 11 periods' quota per vCPU (0.55); unthrottled, two burners would
  // take up to 2 cores.
  EXPECT_LT(cores, 0.65) << "the vCPU quotas hold the VM near 0.5 cores";
  ASSERT_TRUE(s.has(Metric::kCpuThrottledPeriodsShare));
  EXPECT_GT(s.get(Metric::kCpuThrottledPeriodsShare), 0.5) << "burners exceed every period";
  ASSERT_TRUE(s.has(Metric::kCpuThrottledShare));
  EXPECT_GT(s.get(Metric::kCpuThrottledShare), 0.5) << "~0.75 s per vCPU per second";
}

}  // namespace
}  // namespace augur::sampling
