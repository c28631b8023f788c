// Checked-in host layouts (tests/fixtures/cgroup/<layout>/), read by the same code as the
// real /proc and /sys/fs/cgroup: layout from proc/self/mountinfo, refs from proc/<pid>/cgroup.
#include <gtest/gtest.h>

#include "augur/discovery/qemu_process.h"
#include "augur/host/cgroup_layout.h"
#include "augur/host/open_file.h"
#include "augur/host/proc_pid.h"
#include "augur/sampling/usage/usage_reader.h"
#include "temp_tree.h"

namespace augur::sampling {
namespace {

using augur::testing::fixture;

struct Host {
  std::string root;
  host::CgroupLayout layout;
  UsageReader reader;
  explicit Host(const std::string& name)
      : root(fixture("cgroup/" + name)),
        layout(host::read_cgroup_layout(root + "/proc").value()),
        reader(layout, root, root + "/proc") {}
};

template <class T>
T value_of(const Field<T>& f) {
  EXPECT_TRUE(f.has()) << f.missing_reason;
  return f.value.value_or(T{});
}

TEST(FixtureUsage, Cgroup2SystemdMachineSliceGuest) {
  Host h("cgroup2-systemd-machine-slice");
  Instance vm;
  vm.id = "uuid-1";
  vm.main_pid = 4242;
  vm.thread_ids = {4250, 4251};
  // Discovery takes the scope above libvirt/emulator from /proc/<pid>/cgroup.
  auto refs = host::read_proc_cgroup(h.root + "/proc", 4242).value();
  ASSERT_EQ(refs.size(), 1u);
  vm.cgroups = {{"", "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"}};
  const UsageRaw r = h.reader.read(vm);
  EXPECT_EQ(value_of(r.cpu_usage_ns), 14'000'000'000u);
  EXPECT_EQ(value_of(r.cpu_throttled_ns), 3'000'000'000u);
  EXPECT_EQ(value_of(r.cpu_periods), 5000u);
  EXPECT_EQ(value_of(r.cpu_throttled_periods), 250u);
  EXPECT_EQ(value_of(r.memory_bytes), 1'100'000'000u);
  EXPECT_EQ(value_of(r.memory_anon_bytes), 1'050'000'000u);
  EXPECT_EQ(value_of(r.memory_file_bytes), 40'000'000u);
  EXPECT_EQ(value_of(r.major_faults), 321u);
  EXPECT_EQ(value_of(r.disk_read_bytes), 10485760u + 1048576u);
  EXPECT_EQ(value_of(r.disk_write_bytes), 20971520u);
  EXPECT_EQ(value_of(r.disk_read_ops), 2560u + 256u);
  EXPECT_EQ(value_of(r.disk_write_ops), 5120u);
  EXPECT_EQ(value_of(r.cpu_pressure.some_usec), 2'500'000u);
  EXPECT_EQ(value_of(r.cpu_pressure.full_usec), 1'000'000u);
  EXPECT_EQ(value_of(r.io_pressure.full_usec), 650'000u);
  const auto threads = value_of(r.threads);
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads[0].tid, 4250);
  EXPECT_EQ(threads[0].wait_ns, 40'000'000u);
  EXPECT_EQ(threads[1].wait_ns, 60'000'000u);
  EXPECT_FALSE(r.net_rx_bytes.has());
  EXPECT_EQ(r.net_rx_bytes.missing_reason, "instance shares the host network namespace");
  const ResourceVector a = r.allocation();
  EXPECT_DOUBLE_EQ(a[Resource::kCpu], 2.0);
  EXPECT_DOUBLE_EQ(a[Resource::kMemory], 2147483648.0);
  EXPECT_DOUBLE_EQ(a[Resource::kDisk], 52428800.0);  // the larger of rbps and wbps
}

TEST(FixtureUsage, Cgroup2ContainerWithOwnNetnsAndNoIoController) {
  Host h("cgroup2-systemd-machine-slice");
  Instance ct;
  ct.id = "cgroup:/system.slice/docker-3f2a9c.scope";
  ct.main_pid = 5000;
  ct.thread_ids = {5000};
  ct.cgroups = host::read_proc_cgroup(h.root + "/proc", 5000).value();
  const UsageRaw r = h.reader.read(ct);
  EXPECT_EQ(value_of(r.cpu_usage_ns), 300'000'000u);
  EXPECT_EQ(value_of(r.cpu_throttled_periods), 0u);
  EXPECT_EQ(value_of(r.memory_bytes), 52428800u);
  EXPECT_EQ(value_of(r.net_rx_bytes), 5'000'000u) << "lo left out";
  EXPECT_EQ(value_of(r.net_tx_bytes), 2'500'000u);
  EXPECT_EQ(value_of(r.net_rx_packets), 4000u);
  EXPECT_EQ(value_of(r.net_tx_packets), 3000u);
  EXPECT_FALSE(r.disk_read_bytes.has());
  EXPECT_NE(r.disk_read_bytes.missing_reason.find("io.stat"), std::string::npos)
      << r.disk_read_bytes.missing_reason;
  EXPECT_EQ(r.memory_limit_bytes.missing_reason, "unlimited");
  EXPECT_EQ(r.cpu_limit_cores.missing_reason, "unlimited");
  const ResourceVector a = r.allocation();
  EXPECT_FALSE(a.known(Resource::kCpu));
  EXPECT_FALSE(a.known(Resource::kMemory));
}

TEST(FixtureUsage, Cgroup1LibvirtWithoutSystemdTakesCpuUsageFromCgroup2) {
  Host h("cgroup1-libvirt-no-systemd");
  EXPECT_EQ(h.layout.mode, host::CgroupMode::kHybrid);
  const std::string vm_path = "/machine/qemu-1-e2e-vm.libvirt-qemu";
  Instance vm;
  vm.id = "e2e-uuid";
  vm.kind = InstanceKind::kVirtualMachine;
  vm.main_pid = 4242;
  vm.thread_ids = {4250, 4251};
  // As /proc/<pid>/cgroup says, with the emulator leaf lifted to the VM: cpuacct stays at
  // the root ("/"), which is the host's, so usage must come from the cgroup2 tree.
  vm.cgroups = {
      {"cpu", vm_path}, {"cpuacct", "/"}, {"memory", vm_path}, {"blkio", vm_path}, {"", vm_path}};
  const UsageRaw r = h.reader.read(vm);
  EXPECT_EQ(value_of(r.cpu_usage_ns), 39'900'000'000u);
  // Throttling happens in vcpuN (their quota), the domain's cpu.stat has none: summed.
  EXPECT_EQ(value_of(r.cpu_throttled_ns), 90'000'000'000u) << "v1 cpu.stat is in ns";
  EXPECT_EQ(value_of(r.cpu_periods), 4000u);
  EXPECT_EQ(value_of(r.cpu_throttled_periods), 1200u);
  EXPECT_EQ(value_of(r.memory_bytes), 268435456u);
  EXPECT_EQ(value_of(r.memory_anon_bytes), 201326592u) << "total_rss";
  EXPECT_EQ(value_of(r.memory_file_bytes), 50331648u) << "total_cache";
  EXPECT_EQ(value_of(r.major_faults), 17u);
  EXPECT_EQ(value_of(r.disk_read_bytes), 1048576u + 2097152u);
  EXPECT_EQ(value_of(r.disk_write_bytes), 4194304u);
  EXPECT_EQ(value_of(r.disk_read_ops), 256u + 512u);
  EXPECT_EQ(value_of(r.disk_write_ops), 1024u);
  EXPECT_EQ(value_of(r.cpu_pressure.some_usec), 123456u);
  EXPECT_EQ(r.memory_limit_bytes.missing_reason, "unlimited") << "kernel's huge value";
  EXPECT_DOUBLE_EQ(value_of(r.cpu_limit_cores), 0.5) << "two vCPUs at 25000/100000 each";
  EXPECT_DOUBLE_EQ(r.allocation()[Resource::kCpu], 0.5);
  EXPECT_EQ(r.disk_limit_bytes_per_s.missing_reason, "unlimited");
  EXPECT_EQ(value_of(r.threads).size(), 2u);
}

// The cgroup files recorded from the real libvirt 9.0 / QEMU 7.2 guest (no systemd), found
// the way the daemon finds them: mountinfo rebased under the recording's cgroup/ folder, the
// QEMU process's /proc/<pid>/cgroup lifted from emulator to the domain.
TEST(FixtureUsage, RealLibvirtGuestRecordingReadsThroughTheDaemonsPath) {
  const std::string guest = fixture("libvirt/real-tcg-guest/");
  auto mountinfo = host::read_file(guest + "proc/mountinfo-cgroup");
  auto proc_cgroup = host::read_file(guest + "proc/cgroup");
  ASSERT_TRUE(mountinfo && proc_cgroup);
  auto parsed = host::parse_mountinfo(*mountinfo);
  ASSERT_TRUE(parsed);
  const host::CgroupLayout layout = host::rebase_layout(*parsed, guest + "cgroup");
  Instance vm;
  vm.id = "e2e-vm";
  vm.kind = InstanceKind::kVirtualMachine;
  vm.cgroups =
      discovery::domain_cgroups_from_process(host::parse_proc_cgroup(*proc_cgroup).value());
  UsageReader reader(layout, "", guest + "proc");
  const UsageRaw r = reader.read(vm);
  EXPECT_EQ(value_of(r.cpu_usage_ns), 20'716'998'000u) << "cpuacct is '/': from cgroup2";
  EXPECT_EQ(value_of(r.cpu_periods), 0u) << "domain + vcpu0 + vcpu1, no quota anywhere";
  EXPECT_EQ(value_of(r.cpu_throttled_ns), 0u);
  EXPECT_EQ(r.cpu_limit_cores.missing_reason, "unlimited")
      << "vcpu_quota -1 (virsh-schedinfo.txt): discovery's vCPU count stands";
  EXPECT_EQ(value_of(r.memory_bytes), 292380672u);
  EXPECT_EQ(value_of(r.memory_anon_bytes), 291065856u);
  EXPECT_EQ(r.memory_limit_bytes.missing_reason, "unlimited");
  EXPECT_EQ(value_of(r.disk_read_bytes), 0u);
  EXPECT_EQ(value_of(r.cpu_pressure.some_usec), 33470555u);
  EXPECT_EQ(value_of(r.cpu_pressure.full_usec), 26789754u);
}

TEST(FixtureUsage, Cgroup1LibvirtVcpuChildrenAreOnlyAVmsOwn) {
  Host h("cgroup1-libvirt-no-systemd");
  const std::string vm_path = "/machine/qemu-1-e2e-vm.libvirt-qemu";
  Instance c;
  c.id = "cgroup:" + vm_path;
  c.kind = InstanceKind::kContainer;  // a cgroup glob that happens to match a libvirt domain
  c.cgroups = {{"cpu", vm_path}, {"", vm_path}};
  const UsageRaw r = h.reader.read(c);
  EXPECT_EQ(r.cpu_limit_cores.missing_reason, "unlimited");
  EXPECT_EQ(value_of(r.cpu_periods), 0u) << "the domain's own cpu.stat";
}

TEST(FixtureUsage, Cgroup1LibvirtPerVcpuCgroupCarriesItsQuota) {
  Host h("cgroup1-libvirt-no-systemd");
  const std::string vcpu0 = "/machine/qemu-1-e2e-vm.libvirt-qemu/vcpu0";
  Instance i;
  i.id = "vcpu0";
  i.cgroups = {{"cpu", vcpu0}, {"", vcpu0}};
  const UsageRaw r = h.reader.read(i);
  EXPECT_DOUBLE_EQ(value_of(r.cpu_limit_cores), 0.25);
  EXPECT_EQ(value_of(r.cpu_usage_ns), 20'000'000'000u);
  EXPECT_EQ(r.threads.missing_reason, "instance has no thread ids");
  EXPECT_EQ(r.net_rx_bytes.missing_reason, "instance has no main process");
}

TEST(FixtureUsage, Cgroup1CoMountedCpuCpuacctSystemdGuest) {
  Host h("cgroup1-systemd-cpu-cpuacct-comounted");
  Instance vm;
  vm.id = "uuid-2";
  vm.main_pid = 4242;
  vm.thread_ids = {4242};
  const std::string scope = "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope";
  vm.cgroups = {{"cpu", scope}, {"cpuacct", scope}, {"memory", scope}, {"blkio", scope}};
  const UsageRaw r = h.reader.read(vm);
  EXPECT_EQ(value_of(r.cpu_usage_ns), 31'000'000'000u);
  EXPECT_EQ(value_of(r.cpu_throttled_ns), 1'500'000'000u);
  EXPECT_EQ(value_of(r.cpu_throttled_periods), 30u);
  const ResourceVector a = r.allocation();
  EXPECT_DOUBLE_EQ(a[Resource::kCpu], 1.5);
  EXPECT_DOUBLE_EQ(a[Resource::kMemory], 536870912.0);
  EXPECT_DOUBLE_EQ(a[Resource::kDisk], 10485760.0);  // the larger of read and write
  EXPECT_FALSE(r.cpu_pressure.some_usec.has());
  EXPECT_NE(r.cpu_pressure.some_usec.missing_reason.find("cgroup v1 has no pressure"),
            std::string::npos);
  EXPECT_EQ(value_of(r.threads)[0].wait_ns, 200000u);
}

TEST(FixtureUsage, InstanceInRootCgroupsOnlyHasNoOwnAccounting) {
  Host h("hybrid-unified-no-controllers");
  Instance i;
  i.id = "self";
  i.cgroups = {{"cpu", "/"}, {"cpuacct", "/"}, {"", "/"}};
  const UsageRaw r = h.reader.read(i);
  EXPECT_FALSE(r.cpu_usage_ns.has());
  EXPECT_EQ(r.cpu_usage_ns.missing_reason, "no cgroup with cpu accounting for the instance");
  EXPECT_FALSE(r.memory_bytes.has());
}

}  // namespace
}  // namespace augur::sampling
