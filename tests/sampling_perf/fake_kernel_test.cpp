// ThreadCounterSet against the fake kernel: failure paths this host cannot produce.
#include "fake_kernel.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "augur/sampling/perf/thread_counter_set.h"

namespace augur::sampling {
namespace {

using testing::FakeKernel;

std::vector<EncodedEvent> default_events() {
  auto ev = encode_events(default_event_names());
  EXPECT_TRUE(ev) << ev.error().message();
  return std::move(ev).value();
}

std::vector<EncodedEvent> software_events() {
  const std::vector<std::string> names = {"task-clock", "context-switches", "cpu-migrations",
                                          "page-faults"};
  return std::move(encode_events(names)).value();
}

const std::string* missing_reason(const PerfRaw& raw, Metric m) {
  for (const auto& [metric, reason] : raw.missing) {
    if (metric == m) return &reason;
  }
  return nullptr;
}

TEST(ThreadCounterSetFake, KeepsSoftwareEventsWhenHardwareCannotOpen) {
  for (int err : {ENOENT, EOPNOTSUPP, EACCES, EINVAL, ENODEV}) {
    FakeKernel k;
    k.hardware_leader_errno = err;
    ThreadCounterSet set(default_events(), k.syscalls());
    const std::vector<pid_t> tids = {100, 101, 102};
    ASSERT_TRUE(set.apply("vm", tids));
    EXPECT_EQ(set.hardware_status().state, HardwareStatus::State::kUnavailable);
    EXPECT_NE(set.hardware_status().reason.find(std::string("hardware events unavailable: "
                                                            "perf_event_open(cycles): ") +
                                                std::strerror(err)),
              std::string::npos)
        << set.hardware_status().reason;
    EXPECT_EQ(k.hardware_open_attempts, 1) << "tried once, not once per thread";
    EXPECT_EQ(set.open_fd_count(), 3u * (4u + 1u)) << "4 software events and a pidfd per thread";
    EXPECT_EQ(k.events.size(), 3u * 4u);

    const auto raws = set.read_all();
    ASSERT_EQ(raws.size(), 1u);
    ASSERT_EQ(raws[0].units.size(), 3u);
    EXPECT_TRUE(raws[0].units[0].counts.has(Metric::kTaskClockCores));
    EXPECT_FALSE(raws[0].units[0].counts.has(Metric::kCycles));
    for (Metric m : {Metric::kCycles, Metric::kInstructions, Metric::kCacheReferences,
                     Metric::kCacheMisses, Metric::kBranchInstructions, Metric::kBranchMisses}) {
      ASSERT_NE(missing_reason(raws[0], m), nullptr) << metric_name(m);
      EXPECT_EQ(*missing_reason(raws[0], m), set.hardware_status().reason);
    }
    EXPECT_EQ(missing_reason(raws[0], Metric::kTaskClockCores), nullptr);
  }
}

TEST(ThreadCounterSetFake, OpensOneSoftwareAndOneHardwareGroupPerThreadAsSpecified) {
  FakeKernel k;
  ThreadCounterSet set(default_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100}));
  std::set<int> leaders;
  for (const auto& [fd, ev] : k.events) {
    EXPECT_EQ(ev.pid, 100);
    EXPECT_EQ(ev.cpu, -1);
    EXPECT_NE(ev.flags & PERF_FLAG_FD_CLOEXEC, 0u);
    EXPECT_EQ(ev.read_format, PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                                  PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID);
    EXPECT_TRUE(ev.exclude_hv);
    EXPECT_FALSE(ev.exclude_kernel);
    EXPECT_FALSE(ev.inherit);
    EXPECT_TRUE(ev.enabled);
    EXPECT_EQ(ev.opened_disabled, ev.leader == fd) << "leaders open disabled, then enabled";
    leaders.insert(ev.leader);
    const auto& leader = k.events.at(ev.leader);
    EXPECT_EQ(leader.type == PERF_TYPE_SOFTWARE, ev.type == PERF_TYPE_SOFTWARE)
        << "software and hardware events never share a group";
  }
  EXPECT_EQ(leaders.size(), 2u);
}

TEST(ThreadCounterSetFake, ReportsHardwareUnavailableOnce) {
  FakeKernel k;
  k.hardware_leader_errno = ENOENT;
  ThreadCounterSet set(default_events(), k.syscalls());
  EXPECT_FALSE(set.take_hardware_notice().has_value()) << "nothing known before any open";
  const std::vector<pid_t> tids = {100};
  ASSERT_TRUE(set.apply("a", tids));
  ASSERT_TRUE(set.apply("b", std::vector<pid_t>{200}));
  const auto notice = set.take_hardware_notice();
  ASSERT_TRUE(notice.has_value());
  EXPECT_NE(notice->find("no hardware PMU"), std::string::npos) << *notice;
  EXPECT_FALSE(set.take_hardware_notice().has_value());
}

TEST(ThreadCounterSetFake, CountsHardwareInOneGroupWhenThePmuTakesIt) {
  FakeKernel k;
  ThreadCounterSet set(default_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100}));
  EXPECT_EQ(set.hardware_status().state, HardwareStatus::State::kAvailable);
  EXPECT_FALSE(set.hardware_split());
  EXPECT_EQ(set.open_fd_count(), 11u);
  const auto raws = set.read_all();
  ASSERT_EQ(raws[0].units.size(), 1u);
  const auto& counts = raws[0].units[0].counts;
  EXPECT_EQ(counts.present.count(), 10u);
  EXPECT_DOUBLE_EQ(counts.get(Metric::kBranchMisses), 6.0);  // config 5, first read
  EXPECT_TRUE(raws[0].missing.empty());
}

TEST(ThreadCounterSetFake, SplitsHardwareGroupWhenAMemberCannotJoin) {
  FakeKernel k;
  k.hardware_member_errno = E2BIG;
  ThreadCounterSet set(default_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100, 101}));
  EXPECT_TRUE(set.hardware_split());
  EXPECT_EQ(set.hardware_status().state, HardwareStatus::State::kAvailable);
  EXPECT_EQ(set.open_fd_count(), 2u * 11u);
  for (const auto& [fd, ev] : k.events) {
    if (ev.type != PERF_TYPE_SOFTWARE) {
      EXPECT_EQ(ev.leader, fd) << "every hardware event leads its own group";
    }
  }
  const auto raws = set.read_all();
  EXPECT_EQ(raws[0].units[0].counts.present.count(), 10u);
}

TEST(ThreadCounterSetFake, SplitsHardwareGroupThatNeverGetsScheduled) {
  FakeKernel k;
  k.hardware_groups_never_run = true;
  ThreadCounterSet set(default_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100}));
  for (int i = 0; i < ThreadCounterSet::kZeroRunReadsBeforeSplit; ++i) {
    const auto raws = set.read_all();
    EXPECT_FALSE(raws[0].units[0].counts.has(Metric::kCycles)) << "no data is not zero";
    EXPECT_TRUE(raws[0].units[0].counts.has(Metric::kTaskClockCores));
    EXPECT_DOUBLE_EQ(raws[0].multiplex_ratio, 0.0);
  }
  EXPECT_TRUE(set.hardware_split());
  const auto raws = set.read_all();
  const auto& u = raws[0].units[0];
  EXPECT_EQ(u.epoch, 1u) << "hardware counts restarted";
  ASSERT_TRUE(u.counts.has(Metric::kCycles));
  EXPECT_GT(u.counts.get(Metric::kCycles), 0.0);
  EXPECT_DOUBLE_EQ(raws[0].multiplex_ratio, 0.5);
  EXPECT_EQ(set.open_fd_count(), 11u);
}

TEST(ThreadCounterSetFake, SkipsThreadsGoneBeforeOpen) {
  FakeKernel k;
  k.gone_at_open = {101};
  ThreadCounterSet set(software_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100, 101}));
  const auto raws = set.read_all();
  ASSERT_EQ(raws[0].units.size(), 1u);
  EXPECT_EQ(raws[0].units[0].key, 100);
  EXPECT_EQ(set.open_fd_count(), 5u);
  EXPECT_EQ(k.pidfds.size(), 1u);
}

TEST(ThreadCounterSetFake, DropsThreadWhosePidfdReportsItsExit) {
  FakeKernel k;
  ThreadCounterSet set(software_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100, 101}));
  (void)set.read_all();
  const int reads_before = k.reads;
  k.exited = {100};
  const auto raws = set.read_all();
  ASSERT_EQ(raws[0].units.size(), 1u);
  EXPECT_EQ(raws[0].units[0].key, 101);
  EXPECT_EQ(raws[0].gone, std::vector<int>{100});
  EXPECT_EQ(k.reads - reads_before, 1) << "the exited thread is not read";
  EXPECT_EQ(set.open_fd_count(), 5u);
  EXPECT_EQ(k.pidfds.size(), 1u);
}

TEST(ThreadCounterSetFake, DropsThreadWhoseReadReturnsNothing) {
  FakeKernel k;
  k.pidfd_thread_supported = false;  // before Linux 6.9
  ThreadCounterSet set(software_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{100, 101}));
  (void)set.read_all();
  k.exited = {101};
  auto raws = set.read_all();
  ASSERT_EQ(raws[0].units.size(), 1u);
  EXPECT_EQ(raws[0].gone, std::vector<int>{101});
  EXPECT_EQ(set.open_fd_count(), 4u);
  EXPECT_EQ(k.events.size(), 4u);
  raws = set.read_all();
  EXPECT_TRUE(raws[0].gone.empty());
}

TEST(ThreadCounterSetFake, ApplyOpensNewThreadsAndClosesRemovedOnes) {
  FakeKernel k;
  ThreadCounterSet set(software_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{1, 2, 3}));
  const auto before = k.events;
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{3, 2, 4, 4}));
  EXPECT_EQ(k.events.size(), 12u);
  std::set<pid_t> pids;
  for (const auto& [fd, ev] : k.events) pids.insert(ev.pid);
  EXPECT_EQ(pids, (std::set<pid_t>{2, 3, 4}));
  for (const auto& [fd, ev] : before) {
    if (ev.pid != 1) {
      EXPECT_TRUE(k.events.contains(fd)) << "kept threads keep their groups";
    }
  }
  set.remove("vm");
  EXPECT_TRUE(k.events.empty());
  EXPECT_TRUE(k.pidfds.empty());
  EXPECT_TRUE(set.read_all().empty());
}

TEST(ThreadCounterSetFake, FailsClearlyWhenTheFdBudgetCannotCoverTheThreads) {
  FakeKernel k;
  k.limit = {300, 300};
  ThreadCounterSet set(software_events(), k.syscalls());
  std::vector<pid_t> tids;
  for (pid_t t = 1; t <= 20; ++t) tids.push_back(t);
  const auto st = set.apply("vm", tids);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().what.find("356 needed"), std::string::npos) << st.error().what;
  EXPECT_NE(st.error().what.find("allows 300"), std::string::npos) << st.error().what;
  EXPECT_TRUE(k.events.empty());
}

TEST(ThreadCounterSetFake, RaisesTheSoftFdLimitWhenNeeded) {
  FakeKernel k;
  k.limit = {260, 4096};
  ThreadCounterSet set(software_events(), k.syscalls());
  ASSERT_TRUE(set.apply("vm", std::vector<pid_t>{1, 2, 3}));
  EXPECT_EQ(k.limit.rlim_cur, 4096u);
}

TEST(ThreadCounterSetFake, SoftwareEventsRefusedIsAnError) {
  FakeKernel k;
  k.software_errno = EACCES;
  ThreadCounterSet set(software_events(), k.syscalls());
  const auto st = set.apply("vm", std::vector<pid_t>{1});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().errno_value, EACCES);
  EXPECT_NE(st.error().what.find("thread 1"), std::string::npos) << st.error().what;
  EXPECT_TRUE(k.events.empty());
}

TEST(ThreadCounterSetFake, PerCgroupModeOpensOneGroupPerOnlineCpu) {
  const auto root =
      std::filesystem::temp_directory_path() / ("augur-perf-sysfs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "devices/system/cpu");
  std::ofstream(root / "devices/system/cpu/online") << "0-2\n";
  FakeKernel k;
  ThreadCounterSet set(software_events(), k.syscalls(), {root.string()});
  const auto st = set.apply_cgroup("ct", "/sys/fs/cgroup/unified/x");
  std::filesystem::remove_all(root);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(k.events.size(), 12u);
  std::set<int> cpus;
  for (const auto& [fd, ev] : k.events) {
    EXPECT_EQ(ev.pid, 7) << "pid is the cgroup directory fd";
    EXPECT_NE(ev.flags & PERF_FLAG_PID_CGROUP, 0u);
    cpus.insert(ev.cpu);
  }
  EXPECT_EQ(cpus, (std::set<int>{0, 1, 2}));
  EXPECT_TRUE(k.closed_dirs.contains(7)) << "the directory fd is not kept";
  const auto raws = set.read_all();
  EXPECT_EQ(raws[0].mode, CountingMode::kPerCgroup);
  EXPECT_EQ(raws[0].units.size(), 3u);
}

}  // namespace
}  // namespace augur::sampling
