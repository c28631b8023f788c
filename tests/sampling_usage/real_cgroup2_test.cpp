// The real cgroup2 tree of this machine (/sys/fs/cgroup/unified: cpu.stat and pressure, no
// controllers): a busy child in a cgroup made by the test.
#include <gtest/gtest.h>
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

struct Cgroup2 {
  host::CgroupLayout layout;
  CgroupRef ref;
  std::string dir;
};

Cgroup2 test_cgroup(const std::string& suffix) {
  Cgroup2 c;
  c.layout = host::read_cgroup_layout("/proc").value();
  std::string parent = "/";
  const auto self = host::read_proc_cgroup("/proc", ::getpid()).value();
  for (const auto& r : self) {
    if (r.controller.empty()) parent = r.path;
  }
  c.ref = {"",
           (parent == "/" ? "" : parent) + "/augur-test-" + std::to_string(::getpid()) + suffix};
  c.dir = c.layout.directory(c.ref).value_or("");
  return c;
}

TEST(RealCgroup2, ReadsGrowingCpuUsageAndPressureOfABusyChild) {
  auto cg = test_cgroup("-v2");
  ASSERT_TRUE(cg.layout.unified.has_value()) << "this machine mounts cgroup2";
  ScratchCgroups scratch;
  ASSERT_TRUE(scratch.make_dir(cg.dir)) << cg.dir << ": " << std::strerror(errno);
  const pid_t busy = scratch.spawn([] {
    volatile std::uint64_t spin = 0;
    for (;;) spin = spin + 1;
  });
  ASSERT_GT(busy, 0);
  ASSERT_TRUE(ScratchCgroups::write(cg.dir + "/cgroup.procs", std::to_string(busy)));

  Instance inst;
  inst.id = "cgroup:" + cg.ref.path;
  inst.cgroups = {cg.ref};
  inst.main_pid = busy;
  inst.thread_ids = {busy};
  UsageReader reader(cg.layout);
  const UsageRaw first = reader.read(inst);
  std::this_thread::sleep_for(300ms);
  const UsageRaw second = reader.read(inst);

  ASSERT_TRUE(first.cpu_usage_ns.has()) << first.cpu_usage_ns.missing_reason;
  ASSERT_TRUE(second.cpu_usage_ns.has());
  EXPECT_GT(*second.cpu_usage_ns.value, *first.cpu_usage_ns.value + 30'000'000)
      << "a spinning child gets well over 10 % of a CPU over 300 ms";
  EXPECT_TRUE(second.cpu_pressure.some_usec.has()) << second.cpu_pressure.some_usec.missing_reason;
  EXPECT_TRUE(second.memory_pressure.full_usec.has());
  EXPECT_TRUE(second.io_pressure.some_usec.has());
  EXPECT_FALSE(second.cpu_throttled_ns.has());
  EXPECT_NE(second.cpu_throttled_ns.missing_reason.find("cpu controller not enabled"),
            std::string::npos)
      << second.cpu_throttled_ns.missing_reason;
  EXPECT_FALSE(second.memory_bytes.has()) << "no memory controller in this cgroup2 tree";
  EXPECT_EQ(second.net_rx_bytes.missing_reason, "instance shares the host network namespace");
}

TEST(RealCgroup2, RecreatedCgroupIsMissingOnceThenACounterReset) {
  auto cg = test_cgroup("-recreate");
  ScratchCgroups scratch;
  ASSERT_TRUE(scratch.make_dir(cg.dir)) << cg.dir << ": " << std::strerror(errno);
  const pid_t busy = scratch.spawn([] {
    volatile std::uint64_t spin = 0;
    for (;;) spin = spin + 1;
  });
  ASSERT_TRUE(ScratchCgroups::write(cg.dir + "/cgroup.procs", std::to_string(busy)));
  Instance inst;
  inst.id = "cgroup:" + cg.ref.path;
  inst.cgroups = {cg.ref};
  UsageReader reader(cg.layout);
  std::this_thread::sleep_for(100ms);
  const UsageRaw before = reader.read(inst);
  ASSERT_TRUE(before.cpu_usage_ns.has());
  ASSERT_GT(*before.cpu_usage_ns.value, 0u);

  ScratchCgroups::kill_and_reap(busy);
  std::erase(scratch.children_, busy);
  ASSERT_TRUE(ScratchCgroups::remove_dir(cg.dir));
  const UsageRaw gone = reader.read(inst);
  EXPECT_FALSE(gone.cpu_usage_ns.has()) << "the open fd of a removed cgroup fails (ENODEV)";

  ASSERT_TRUE(scratch.make_dir(cg.dir));
  const UsageRaw after = reader.read(inst);
  ASSERT_TRUE(after.cpu_usage_ns.has()) << after.cpu_usage_ns.missing_reason;
  Sample s;
  derive_usage_rates(before, after, 1s, s);
  EXPECT_FALSE(s.has(Metric::kCpuUsageCores));
  EXPECT_EQ(s.missing_reasons.front().first, Metric::kCpuUsageCores);
  EXPECT_EQ(s.missing_reasons.front().second, "counter reset");
}

}  // namespace
}  // namespace augur::sampling
