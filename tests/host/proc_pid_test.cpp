#include "augur/host/proc_pid.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "augur/host/open_file.h"
#include "temp_tree.h"

namespace augur::host {
namespace {

using augur::testing::fixture;

pid_t this_tid() {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

TEST(ProcCgroup, ParsesThisMachinesHybridFileSkippingNamedHierarchies) {
  auto text = read_file(fixture("cgroup/hybrid-unified-no-controllers/proc/self/cgroup"));
  ASSERT_TRUE(text.has_value());
  auto refs = parse_proc_cgroup(*text);
  ASSERT_TRUE(refs.has_value()) << refs.error().message();
  EXPECT_EQ(refs->size(), 9u);  // 8 controllers + unified; name=systemd skipped
  EXPECT_NE(std::find(refs->begin(), refs->end(), CgroupRef{"", "/"}), refs->end());
  EXPECT_NE(
      std::find_if(refs->begin(), refs->end(), [](auto& r) { return r.controller == "memory"; }),
      refs->end());
  EXPECT_EQ(std::count_if(refs->begin(), refs->end(),
                          [](auto& r) { return r.controller.find("name=") != std::string::npos; }),
            0);
}

TEST(ProcCgroup, SplitsCoMountedControllersIntoOneRefEach) {
  auto refs = parse_proc_cgroup("7:cpu,cpuacct:/machine.slice/a.scope\n");
  ASSERT_TRUE(refs.has_value());
  const std::vector<CgroupRef> want = {{"cpu", "/machine.slice/a.scope"},
                                       {"cpuacct", "/machine.slice/a.scope"}};
  EXPECT_EQ(*refs, want);
}

TEST(ProcCgroup, ParsesPureV2Line) {
  auto refs =
      parse_proc_cgroup("0::/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator\n");
  ASSERT_TRUE(refs.has_value());
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0],
            (CgroupRef{"", "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator"}));
}

TEST(ProcCgroup, KeepsColonsInsideThePath) {
  auto refs = parse_proc_cgroup("0::/kubepods/pod:a:b\n");
  ASSERT_TRUE(refs.has_value());
  EXPECT_EQ((*refs)[0].path, "/kubepods/pod:a:b");
}

TEST(ProcCgroup, MalformedLinesAreErrorsNamingTheFile) {
  for (const char* text : {"", "cpu:/x\n", "x:cpu:/a\n", "4:memory:\n", "4:memory:relative\n"}) {
    auto refs = parse_proc_cgroup(text, "/proc/42/cgroup");
    ASSERT_FALSE(refs.has_value()) << text;
    EXPECT_EQ(refs.error().where, "/proc/42/cgroup");
  }
}

TEST(ProcCgroup, ReadsLibvirtGuestWithoutSystemdFromFixtureProc) {
  auto refs = read_proc_cgroup(fixture("cgroup/cgroup1-libvirt-no-systemd/proc"), 4242);
  ASSERT_TRUE(refs.has_value()) << refs.error().message();
  const std::string vm = "/machine/qemu-1-e2e-vm.libvirt-qemu";
  EXPECT_NE(std::find(refs->begin(), refs->end(), CgroupRef{"memory", vm}), refs->end());
  EXPECT_NE(std::find(refs->begin(), refs->end(), CgroupRef{"cpu", vm + "/emulator"}), refs->end());
  EXPECT_NE(std::find(refs->begin(), refs->end(), CgroupRef{"", vm + "/emulator"}), refs->end());
}

TEST(ProcCgroup, ReadsThisProcessFromRealProc) {
  auto refs = read_proc_cgroup("/proc", ::getpid());
  ASSERT_TRUE(refs.has_value()) << refs.error().message();
  EXPECT_NE(std::find_if(refs->begin(), refs->end(), [](auto& r) { return r.controller.empty(); }),
            refs->end());
}

TEST(ProcCgroup, VanishedProcessIsGone) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  auto refs = read_proc_cgroup("/proc", child);
  ASSERT_FALSE(refs.has_value());
  EXPECT_TRUE(is_gone(refs.error())) << refs.error().message();
  auto tids = list_threads("/proc", child);
  ASSERT_FALSE(tids.has_value());
  EXPECT_TRUE(is_gone(tids.error())) << tids.error().message();
}

TEST(Tasks, ListsEveryThreadOfThisProcessAndReadsItsName) {
  std::atomic<pid_t> tid{0};
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    ::pthread_setname_np(::pthread_self(), "augur-worker");
    tid = this_tid();
    while (!stop) std::this_thread::yield();
  });
  while (tid == 0) std::this_thread::yield();
  auto tids = list_threads("/proc", ::getpid());
  stop = true;
  ASSERT_TRUE(tids.has_value()) << tids.error().message();
  EXPECT_TRUE(std::is_sorted(tids->begin(), tids->end()));
  EXPECT_NE(std::find(tids->begin(), tids->end(), ::getpid()), tids->end());
  EXPECT_NE(std::find(tids->begin(), tids->end(), tid.load()), tids->end());
  auto comm = read_comm("/proc", ::getpid(), tid);
  worker.join();
  ASSERT_TRUE(comm.has_value()) << comm.error().message();
  EXPECT_EQ(*comm, "augur-worker");
}

TEST(Tasks, ExitedThreadIsGone) {
  std::atomic<pid_t> tid{0};
  std::thread worker([&] { tid = this_tid(); });
  worker.join();
  auto comm = read_comm("/proc", ::getpid(), tid);
  ASSERT_FALSE(comm.has_value());
  EXPECT_TRUE(is_gone(comm.error())) << comm.error().message();
}

TEST(Tasks, ReadsQemuVcpuThreadNamesFromFixture) {
  const auto proc = fixture("cgroup/cgroup1-libvirt-no-systemd/proc");
  auto tids = list_threads(proc, 4242);
  ASSERT_TRUE(tids.has_value()) << tids.error().message();
  EXPECT_EQ(*tids, (std::vector<pid_t>{4242, 4250, 4251}));
  auto comm = read_comm(proc, 4242, 4250);
  ASSERT_TRUE(comm.has_value());
  EXPECT_EQ(*comm, "CPU 0/TCG");
}

TEST(NetNamespace, SelfAndOwnPidAgreeAndFixtureContainerDiffers) {
  auto self = read_net_namespace("/proc", 0);
  auto mine = read_net_namespace("/proc", ::getpid());
  ASSERT_TRUE(self.has_value()) << self.error().message();
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(*self, *mine);
  EXPECT_EQ(self->rfind("net:[", 0), 0u);
  const auto proc = fixture("cgroup/cgroup2-systemd-machine-slice/proc");
  EXPECT_NE(read_net_namespace(proc, 5000).value(), read_net_namespace(proc, 0).value());
  EXPECT_EQ(read_net_namespace(proc, 4242).value(), read_net_namespace(proc, 0).value());
}

}  // namespace
}  // namespace augur::host
