// Cgroup writes refused by the real kernel, through the actuator on a real cgroup v1 test
// cgroup: EBUSY (a memory limit below what the cgroup holds and cannot reclaim: anonymous
// memory on a machine without swap) and EACCES (a 0444 knob written by a process without
// CAP_DAC_OVERRIDE, in a forked child). Each is a failed change with the kernel's errno, the
// value in force untouched, retried with backoff, and applied by the retry once the cause is
// gone. EINVAL (a CFS quota under 1 ms) and EROFS are in tests/actuate/actuator_test.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "../actuate/test_cgroup.h"
#include "augur/actuate/actuator.h"
#include "augur/actuate/cgroup_v1_backend.h"

namespace augur::actuate {
namespace {

using std::chrono::seconds;
using testing::slurp;
using testing::V1TestCgroup;
using testing::wide_bounds;

constexpr double kMiB = 1024.0 * 1024.0;

Plan memory_plan(const Instance& i, double bytes) {
  Change c;
  c.instance_id = i.id;
  c.resource = Resource::kMemory;
  c.old_value = std::nan("");
  c.new_value = bytes;
  c.reason = "fault test";
  Plan p;
  p.instance_id = i.id;
  p.changes = {c};
  return p;
}

class CgroupErrno : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cgroup_.error().empty()) GTEST_SKIP() << "no writable cgroup v1 here: " << cgroup_.error();
    instance_.id = "cgroup:" + cgroup_.path();
    instance_.kind = InstanceKind::kContainer;
    instance_.cgroups = cgroup_.refs();
  }
  Actuator make() {
    Backends b;
    auto v1 = CgroupV1Backend::from_host();
    EXPECT_TRUE(v1);
    b.cgroup_v1 = std::make_unique<CgroupV1Backend>(std::move(*v1));
    ActuatorOptions o;
    o.retry.base = seconds(10);
    o.retry.max = seconds(60);
    o.retry.max_attempts = 5;
    return Actuator(std::move(b), wide_bounds(), clock_, o);
  }
  std::string limit_file() const { return cgroup_.dir("memory") + "/memory.limit_in_bytes"; }

  V1TestCgroup cgroup_{{"memory"}};
  FakeClock clock_;
  Instance instance_;
};

bool swap_configured() {
  const std::string swaps = slurp("/proc/swaps");
  return swaps.find('\n') != std::string::npos && swaps.find('\n') + 1 < swaps.size();
}

TEST_F(CgroupErrno, AMemoryLimitBelowUnreclaimableUsageIsEBUSYAndTheRetryAppliesOnceItIsFreed) {
  if (swap_configured()) GTEST_SKIP() << "swap is on: the kernel would swap out, not refuse";
  // A child in the cgroup holding 64 MiB of touched anonymous memory.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const std::string procs = cgroup_.dir("memory") + "/cgroup.procs";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    testing::spit(procs, std::to_string(::getpid()));
    const std::size_t bytes = 64u << 20;
    void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) ::_exit(2);
    std::memset(mem, 0x5a, bytes);
    const char ok = 'y';
    [[maybe_unused]] auto n = ::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1) << "the child did not fill its memory";
  ::close(ready[0]);
  const std::string before = slurp(limit_file());

  auto actuator = make();
  auto records = actuator.apply(memory_plan(instance_, 16 * kMiB), instance_, Mode::kEnforce);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kFailed);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->errno_value, EBUSY) << records[0].error->message();
  EXPECT_NE(records[0].error->message().find("memory.limit_in_bytes"), std::string::npos)
      << records[0].error->message();
  std::printf("[ faults ] kernel: %s\n", records[0].error->message().c_str());
  EXPECT_EQ(slurp(limit_file()), before) << "the limit in force is untouched";
  EXPECT_EQ(actuator.pending_retries(), 1u);

  // The memory goes away; the retry, when due, applies.
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  clock_.advance(seconds(9));
  EXPECT_TRUE(actuator.retry_due(Mode::kEnforce).empty()) << "not due before the backoff";
  clock_.advance(seconds(1));
  records = actuator.retry_due(Mode::kEnforce);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kApplied)
      << (records[0].error ? records[0].error->message() : "");
  EXPECT_EQ(records[0].attempt, 2);
  EXPECT_EQ(slurp(limit_file()), "16777216\n");
}

// Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this (forked) process's effective set.
bool drop_dac_override() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  for (int cap : {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH}) {
    data[cap / 32].effective &= ~(1u << (cap % 32));
  }
  return ::syscall(SYS_capset, &header, data) == 0;
}

TEST_F(CgroupErrno, AKnobTheProcessMayNotWriteIsEACCESAndTheRetryAppliesOnceItMay) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the fault is root losing CAP_DAC_OVERRIDE";
  const std::string knob = limit_file();
  std::string before = slurp(knob);
  while (!before.empty() && before.back() == '\n') before.pop_back();
  ASSERT_EQ(::chmod(knob.c_str(), 0444), 0) << std::strerror(errno);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (!drop_dac_override()) {
      out = "skip capset: " + std::string(std::strerror(errno));
    } else {
      auto actuator = make();
      auto first = actuator.apply(memory_plan(instance_, 32 * kMiB), instance_, Mode::kEnforce);
      out = "first=" + std::string(outcome_name(first[0].outcome)) +
            " errno=" + std::to_string(first[0].error ? first[0].error->errno_value : 0) +
            " limit=" + slurp(knob);
      while (!out.empty() && out.back() == '\n') out.pop_back();
      ::chmod(knob.c_str(), 0644);  // the owner (root) may, without the capability
      clock_.advance(seconds(10));
      auto second = actuator.retry_due(Mode::kEnforce);
      out += " second=" + (second.size() == 1 ? std::string(outcome_name(second[0].outcome)) +
                                                    " attempt=" + std::to_string(second[0].attempt)
                                              : std::string("none"));
      if (first[0].error) out += "\n" + first[0].error->message();
    }
    [[maybe_unused]] auto n = ::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::chmod(knob.c_str(), 0644);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  if (text.rfind("skip ", 0) == 0) GTEST_SKIP() << text.substr(5);
  const std::string summary = text.substr(0, text.find('\n'));
  std::printf("[ faults ] %s\n", text.c_str());
  EXPECT_EQ(summary, "first=failed errno=" + std::to_string(EACCES) + " limit=" + before +
                         " second=applied attempt=2")
      << "the refused write left the limit in force as it was";
  EXPECT_EQ(slurp(knob), "33554432\n") << "the retry wrote through the real cgroupfs";
}

}  // namespace
}  // namespace augur::actuate
