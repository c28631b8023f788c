#include "augur/discovery/qemu_process.h"

#include <gtest/gtest.h>

#include <string>

namespace augur::discovery {
namespace {

TEST(VcpuThreadName, ParsesTcgAndKvmNames) {
  EXPECT_EQ(parse_vcpu_thread_name("CPU 0/TCG"), 0);
  EXPECT_EQ(parse_vcpu_thread_name("CPU 13/KVM"), 13);
}

TEST(VcpuThreadName, IgnoresOtherQemuThreads) {
  for (const char* name : {"qemu-system-x86", "IO mon_iothread", "CPU", "CPU x/TCG", "CPU 1",
                           "CPU -1/KVM", "CPU 1/", "worker", ""}) {
    EXPECT_FALSE(parse_vcpu_thread_name(name)) << name;
  }
}

TEST(QemuCmdline, FindsGuestNameInNameOption) {
  using namespace std::string_literals;
  const std::string cmd = "/usr/bin/qemu-system-x86_64\0-name\0guest=web-1,debug-threads=on\0-S\0"s;
  EXPECT_TRUE(cmdline_names_guest(cmd, "web-1"));
  EXPECT_FALSE(cmdline_names_guest(cmd, "web"));
  EXPECT_FALSE(cmdline_names_guest(cmd, "debug-threads=on"));
  EXPECT_TRUE(cmdline_names_guest("qemu\0-name\0old-style\0"s, "old-style"));
  // A ',' in the domain name is doubled on QEMU's command line.
  EXPECT_TRUE(cmdline_names_guest("qemu\0-name\0guest=a,,b,debug-threads=on\0"s, "a,b"));
  EXPECT_FALSE(cmdline_names_guest("qemu\0-name\0"s, "x"));
  EXPECT_FALSE(cmdline_names_guest("", "x"));
}

TEST(DomainCgroups, UsesParentOfEmulatorAndDropsRootPaths) {
  auto refs = domain_cgroups_from_process(
      {{"cpu", "/machine/vm/emulator"},
       {"memory", "/machine/vm"},
       {"cpuacct", "/"},
       {"", "/machine.slice/machine-qemu-1-vm.scope/libvirt/emulator"}});
  EXPECT_EQ(refs, (std::vector<CgroupRef>{{"cpu", "/machine/vm"},
                                          {"memory", "/machine/vm"},
                                          {"", "/machine.slice/machine-qemu-1-vm.scope/libvirt"}}));
}

}  // namespace
}  // namespace augur::discovery
