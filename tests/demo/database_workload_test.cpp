// The demo's database-like workload: its spill on the schedule, and the premise of its
// comparison on this machine's real memory cgroup: under a limit below its working set it
// reads from disk again what the kernel evicted; with room it reads nothing from disk.
#include "database_workload.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "augur/host/cgroup_layout.h"
#include "memory_cgroup.h"

namespace augur::demo {
namespace {

TEST(DatabaseShape, TheSpillGrowsUntilTheRampEndsHoldsAndIsDroppedWithThePhase) {
  PhaseSchedule s;  // warm-up 36 s, period 24 s, lag 3 + ramp 4 + hold 5
  DatabaseShape d;
  d.schedule = &s;
  d.table_mib = 16;
  d.spill_mib = 96;
  EXPECT_EQ(d.spill_mib_at(10), 0) << "warm-up";
  EXPECT_EQ(d.spill_mib_at(36), 0) << "the phase's first instant";
  EXPECT_NEAR(d.spill_mib_at(36 + 3.5), 48, 1e-9) << "half way through lag + ramp";
  EXPECT_NEAR(d.spill_mib_at(36 + 7), 96, 1e-9);
  EXPECT_NEAR(d.spill_mib_at(36 + 11.9), 96, 1e-9) << "holds";
  EXPECT_EQ(d.spill_mib_at(36 + 12), 0) << "the phase ends: the spill is deleted";
  EXPECT_NEAR(d.spill_mib_at(60 + 7), 96, 1e-9) << "the next phase";
  EXPECT_NEAR(d.working_set_mib(60 + 7), 112, 1e-9);
  DatabaseShape steady;
  EXPECT_EQ(steady.spill_mib_at(40), 0) << "no schedule: the table alone";
}

long long read_bytes_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  for (std::string key; in >> key;) {
    long long v = 0;
    in >> v;
    if (key == "read_bytes:") return v;
  }
  return -1;
}

struct ScanRun {
  double reread_mib = 0;
  long long io_stall_usec = -1;
  long long memory_stall_usec = -1;
};

// The table alone (32 MiB, read at 64 MiB/s) for 3 s in a fresh group limited to `limit_mib`.
ScanRun run_under(const Hierarchy& h, long long limit_mib) {
  // One group per run: the last one's rmdir may still be waiting out its killed process.
  const std::string name =
      "augur-demo-db-test-" + std::to_string(::getpid()) + "-" + std::to_string(limit_mib);
  MemoryCgroup g(h, name);
  const Status made = g.create();
  EXPECT_TRUE(made.has_value()) << made.error().message();
  EXPECT_TRUE(g.set_limit(limit_mib << 20).has_value());
  static DatabaseShape shape;
  shape.table_mib = 32;
  shape.scan_mib_per_s = 64;
  const auto start = WorkloadClock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!g.join(::getpid())) ::_exit(2);
    run_database(shape, "/var/tmp", start);
  }
  EXPECT_GT(child, 0);
  // Writing the table, then a first pass: measured from there.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const long long read0 = read_bytes_of(child);
  const MemoryUse use0 = g.use();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ScanRun r;
  r.reread_mib = static_cast<double>(read_bytes_of(child) - read0) / (1 << 20);
  const MemoryUse use1 = g.use();
  if (use0.io_stall_usec >= 0) {
    r.io_stall_usec = use1.io_stall_usec - use0.io_stall_usec;
    r.memory_stall_usec = use1.memory_stall_usec - use0.memory_stall_usec;
  }
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0) << "the workload is still running";
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  return r;
}

TEST(DatabaseWorkload, BelowItsWorkingSetItReadsFromDiskAgainWithRoomItDoesNot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create memory cgroups";
  auto layout = host::read_cgroup_layout();
  ASSERT_TRUE(layout.has_value()) << layout.error().message();
  auto h = prepare_memory_hierarchy(*layout);
  if (!h) GTEST_SKIP() << "no writable memory controller: " << h.error().message();
  const ScanRun tight = run_under(*h, 16);
  const ScanRun roomy = run_under(*h, 96);
  std::printf(
      "[ demo ] 32 MiB table at 64 MiB/s for 3 s: under 16 MiB re-read %.0f MiB, I/O stall %lld "
      "µs, memory stall %lld µs; under 96 MiB %.1f MiB, %lld µs, %lld µs\n",
      tight.reread_mib, tight.io_stall_usec, tight.memory_stall_usec, roomy.reread_mib,
      roomy.io_stall_usec, roomy.memory_stall_usec);
  EXPECT_GT(tight.reread_mib, 32) << "at least a pass from disk";
  EXPECT_LT(roomy.reread_mib, 1) << "the table stays cached";
  // The stalls are printed, not judged: this VM's disk is its host's page cache, so a re-read
  // costs microseconds here where a real disk costs milliseconds.
}

}  // namespace
}  // namespace augur::demo
