// The actuator core over real backends: the cgroup v2 backend on the writable fixture tree
// (exact bytes), the cgroup v1 backend on a real test cgroup (the kernel's own EINVAL and a
// real read-only mount for EROFS), and a scripted backend only where this machine has no
// real one (libvirt, tc) or a fault cannot be provoked (a read-back that differs).
#include "augur/actuate/actuator.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "augur/actuate/cgroup_v1_backend.h"
#include "augur/actuate/cgroup_v2_backend.h"
#include "test_cgroup.h"

namespace augur::actuate {
namespace {

using std::chrono::seconds;
using testing::slurp;
using testing::spit;
using testing::V1TestCgroup;
using testing::V2Fixture;
using testing::wide_bounds;

constexpr double kMiB = 1024.0 * 1024.0;
const double kNaN = std::nan("");

std::string describe(const ApplyRecord& r) {
  std::string s = r.instance_id + " " + std::string(resource_name(r.resource)) + " " +
                  std::string(outcome_name(r.outcome)) + " old=" + std::to_string(r.old_value) +
                  " new=" + std::to_string(r.new_value) + " rb=" + std::to_string(r.read_back) +
                  " backend=" + r.backend + " attempt=" + std::to_string(r.attempt) + " clamp='" +
                  r.clamp + "'";
  if (r.error) s += " error=" + r.error->message();
  return s;
}

Change change(const Instance& i, Resource r, double old_value, double new_value,
              std::string reason = "prediction") {
  Change c;
  c.instance_id = i.id;
  c.resource = r;
  c.old_value = old_value;
  c.new_value = new_value;
  c.reason = std::move(reason);
  return c;
}

Plan plan(const Instance& i, std::vector<Change> changes) {
  Plan p;
  p.instance_id = i.id;
  p.changes = std::move(changes);
  return p;
}

RetryPolicy policy(int attempts = 5) {
  RetryPolicy p;
  p.base = seconds(10);
  p.max = seconds(60);
  p.max_attempts = attempts;
  return p;
}

// A stand-in where this machine has no real backend (libvirt, tc) or no way to provoke a
// fault (a kernel that reads back another value). Counts its calls.
class ScriptedBackend final : public Backend {
 public:
  ScriptedBackend(std::string name, std::vector<Resource> supported)
      : name_(std::move(name)), supported_(std::move(supported)) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] std::optional<std::string> unsupported(const Instance&, Resource r) const override {
    ++unsupported_calls;
    if (std::find(supported_.begin(), supported_.end(), r) != supported_.end()) {
      return std::nullopt;
    }
    return "not scripted for " + std::string(resource_name(r));
  }
  Result<double> read(const Instance&, Resource r) override { return values[r]; }
  Result<double> apply(const Instance&, Resource r, double value) override {
    writes.emplace_back(r, value);
    values[r] = value * read_back_scale;
    return values[r];
  }

  mutable int unsupported_calls = 0;
  double read_back_scale = 1.0;
  std::map<Resource, double> values;
  std::vector<std::pair<Resource, double>> writes;

 private:
  std::string name_;
  std::vector<Resource> supported_;
};

// ---- cgroup v2 fixture ----------------------------------------------------------------------

class ActuatorV2Test : public ::testing::Test {
 protected:
  Actuator make(config::PlanSection bounds = wide_bounds()) {
    Backends b;
    CgroupV2Options options;
    options.page_bytes = 4096;
    b.cgroup_v2 = std::make_unique<CgroupV2Backend>(fx_.mount_point(), options);
    ActuatorOptions o;
    o.retry = policy();
    return Actuator(std::move(b), bounds, clock_, o);
  }

  V2Fixture fx_;
  FakeClock clock_;
  Instance vm_ = V2Fixture::vm_scope();
};

TEST_F(ActuatorV2Test, EnforceWritesReadsBackAndReportsEachChange) {
  auto actuator = make();
  const auto records = actuator.apply(plan(vm_, {change(vm_, Resource::kCpu, 2.0, 1.5),
                                                 change(vm_, Resource::kMemory, kNaN, 512 * kMiB),
                                                 change(vm_, Resource::kDisk, 52428800, 1048576)}),
                                      vm_, Mode::kEnforce);
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) {
    EXPECT_EQ(r.outcome, Outcome::kApplied) << describe(r);
    EXPECT_EQ(r.backend, "cgroup-v2");
    EXPECT_EQ(r.mode, Mode::kEnforce);
    EXPECT_EQ(r.attempt, 1);
    EXPECT_EQ(r.reason, "prediction");
    EXPECT_FALSE(r.error) << describe(r);
    EXPECT_FALSE(r.next_retry);
  }
  EXPECT_DOUBLE_EQ(records[0].old_value, 2.0);
  EXPECT_DOUBLE_EQ(records[0].read_back, 1.5);
  EXPECT_TRUE(std::isnan(records[1].old_value));
  EXPECT_DOUBLE_EQ(records[1].read_back, 512 * kMiB);
  EXPECT_DOUBLE_EQ(records[2].old_value, 52428800);
  EXPECT_DOUBLE_EQ(records[2].read_back, 1048576);
  EXPECT_EQ(slurp(fx_.vm_file("cpu.max")), "150000 100000\n");
  EXPECT_EQ(slurp(fx_.vm_file("memory.high")), "536870912\n");
  EXPECT_EQ(slurp(fx_.vm_file("io.max")), "8:0 rbps=1048576 wbps=1048576\n");
  EXPECT_EQ(actuator.pending_retries(), 0u);
}

TEST_F(ActuatorV2Test, ObserveAndAdviseWriteNothing) {
  auto actuator = make();
  const auto before = fx_.snapshot();
  for (const Mode mode : {Mode::kObserve, Mode::kAdvise}) {
    const auto records =
        actuator.apply(plan(vm_, {change(vm_, Resource::kCpu, 2.0, 3.0),
                                  change(vm_, Resource::kMemory, kNaN, 256 * kMiB)}),
                       vm_, mode);
    ASSERT_EQ(records.size(), 2u);
    for (const auto& r : records) {
      EXPECT_EQ(r.outcome, Outcome::kSkippedMode) << describe(r);
      EXPECT_EQ(r.mode, mode);
      EXPECT_EQ(r.backend, "cgroup-v2");  // what enforce would have used
      EXPECT_TRUE(std::isnan(r.read_back));
    }
  }
  EXPECT_EQ(fx_.snapshot(), before);
  EXPECT_EQ(actuator.pending_retries(), 0u);
  EXPECT_FALSE(actuator.original(vm_.id, Resource::kCpu));
  EXPECT_TRUE(actuator.restore_all().empty());
  EXPECT_EQ(fx_.snapshot(), before);
}

TEST_F(ActuatorV2Test, OutsideTheBoundsIsRefusedAndNothingWritten) {
  auto bounds = wide_bounds();
  bounds.cpu.min = 0.5;
  bounds.cpu.max = 2.0;
  auto actuator = make(bounds);
  const auto before = fx_.snapshot();
  for (const Mode mode : {Mode::kEnforce, Mode::kObserve}) {
    const auto records = actuator.apply(
        plan(vm_, {change(vm_, Resource::kCpu, 2.0, 3.0), change(vm_, Resource::kCpu, 2.0, 0.25),
                   change(vm_, Resource::kCpu, 2.0, kNaN), change(vm_, Resource::kCpu, 2.0, -1.0)}),
        vm_, mode);
    ASSERT_EQ(records.size(), 4u);
    for (const auto& r : records) {
      EXPECT_EQ(r.outcome, Outcome::kRefused) << describe(r);
      EXPECT_TRUE(r.backend.empty());
    }
    EXPECT_EQ(records[0].clamp, "max 2 (value 3)");
    EXPECT_EQ(records[1].clamp, "min 0.5 (value 0.25)");
    EXPECT_EQ(records[2].clamp, "max 2 (value unlimited)");
    EXPECT_EQ(records[3].clamp, "invalid (value -1)");
  }
  EXPECT_EQ(fx_.snapshot(), before);
  EXPECT_EQ(actuator.pending_retries(), 0u);
}

TEST_F(ActuatorV2Test, ZeroMaxMeansTheInstancesOwnMaximum) {
  auto actuator = make();
  vm_.max_allocation[Resource::kCpu] = 4.0;
  auto records =
      actuator.apply(plan(vm_, {change(vm_, Resource::kCpu, 2.0, 5.0)}), vm_, Mode::kEnforce);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kRefused) << describe(records[0]);
  EXPECT_EQ(records[0].clamp, "max 4 (value 5)");
  EXPECT_EQ(slurp(fx_.vm_file("cpu.max")), "200000 100000\n");
  records = actuator.apply(plan(vm_, {change(vm_, Resource::kCpu, 2.0, 4.0)}), vm_, Mode::kEnforce);
  EXPECT_EQ(records[0].outcome, Outcome::kApplied) << describe(records[0]);
  EXPECT_EQ(slurp(fx_.vm_file("cpu.max")), "400000 100000\n");
}

TEST_F(ActuatorV2Test, ReloadedBoundsApplyToTheNextChange) {
  auto actuator = make();
  auto bounds = wide_bounds();
  bounds.memory.max = 256 * kMiB;
  actuator.set_bounds(bounds);
  const auto records = actuator.apply(plan(vm_, {change(vm_, Resource::kMemory, kNaN, 512 * kMiB)}),
                                      vm_, Mode::kEnforce);
  EXPECT_EQ(records[0].outcome, Outcome::kRefused) << describe(records[0]);
  EXPECT_EQ(slurp(fx_.vm_file("memory.high")), "max\n");
}

TEST_F(ActuatorV2Test, UnsupportedSaysWhyAndIsNotRetried) {
  auto actuator = make();
  const auto container = V2Fixture::container();
  const auto records =
      actuator.apply(plan(container, {change(container, Resource::kNetwork, kNaN, 1e6),
                                      change(container, Resource::kDisk, kNaN, 1e6)}),
                     container, Mode::kEnforce);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, Outcome::kUnsupported) << describe(records[0]);
  ASSERT_TRUE(records[0].error);
  EXPECT_NE(records[0].error->what.find("cgroup-v2: network bandwidth"), std::string::npos)
      << records[0].error->what;
  EXPECT_EQ(records[1].outcome, Outcome::kUnsupported) << describe(records[1]);
  ASSERT_TRUE(records[1].error);
  EXPECT_NE(records[1].error->what.find("io"), std::string::npos) << records[1].error->what;
  EXPECT_EQ(actuator.pending_retries(), 0u);
  clock_.advance(seconds(3600));
  EXPECT_TRUE(actuator.retry_due(Mode::kEnforce).empty());
}

TEST_F(ActuatorV2Test, RestoreAllWritesTheFirstValuesBack) {
  auto actuator = make();
  auto r = actuator.apply(plan(vm_, {change(vm_, Resource::kCpu, 2.0, 1.5),
                                     change(vm_, Resource::kMemory, kNaN, 512 * kMiB)}),
                          vm_, Mode::kEnforce);
  ASSERT_EQ(r[0].outcome, Outcome::kApplied) << describe(r[0]);
  r = actuator.apply(plan(vm_, {change(vm_, Resource::kCpu, 1.5, 1.0)}), vm_, Mode::kEnforce);
  ASSERT_EQ(r[0].outcome, Outcome::kApplied) << describe(r[0]);
  EXPECT_EQ(slurp(fx_.vm_file("cpu.max")), "100000 100000\n");
  EXPECT_EQ(actuator.original(vm_.id, Resource::kCpu), std::optional<double>(2.0));
  ASSERT_TRUE(actuator.original(vm_.id, Resource::kMemory));
  EXPECT_TRUE(std::isnan(*actuator.original(vm_.id, Resource::kMemory)));
  EXPECT_FALSE(actuator.original(vm_.id, Resource::kDisk));  // never changed

  const auto restored = actuator.restore_all();
  ASSERT_EQ(restored.size(), 2u);
  for (const auto& rec : restored) {
    EXPECT_EQ(rec.outcome, Outcome::kApplied) << describe(rec);
    EXPECT_EQ(rec.reason, "restore");
  }
  EXPECT_EQ(slurp(fx_.vm_file("cpu.max")), "200000 100000\n");
  EXPECT_EQ(slurp(fx_.vm_file("memory.high")), "max\n");
  EXPECT_FALSE(actuator.original(vm_.id, Resource::kCpu));
  EXPECT_TRUE(actuator.restore_all().empty());  // once
}

TEST_F(ActuatorV2Test, ForgetCancelsPendingRetriesOfAVanishedInstance) {
  auto actuator = make();
  ASSERT_EQ(actuator
                .apply(plan(vm_, {change(vm_, Resource::kMemory, kNaN, 512 * kMiB)}), vm_,
                       Mode::kEnforce)[0]
                .outcome,
            Outcome::kApplied);
  // The cgroup goes away: the next write fails with ENOENT and waits for a retry.
  fx_.tree().remove("cgroup/" + V2Fixture::vm_rel());
  const auto failed = actuator.apply(
      plan(vm_, {change(vm_, Resource::kMemory, 512 * kMiB, 768 * kMiB)}), vm_, Mode::kEnforce);
  ASSERT_EQ(failed[0].outcome, Outcome::kFailed) << describe(failed[0]);
  ASSERT_TRUE(failed[0].error);
  EXPECT_EQ(failed[0].error->errno_value, ENOENT);
  ASSERT_EQ(actuator.pending_retries(), 1u);
  ASSERT_TRUE(actuator.next_retry_at());

  EXPECT_EQ(actuator.forget(vm_.id), 1u);
  EXPECT_EQ(actuator.pending_retries(), 0u);
  EXPECT_FALSE(actuator.next_retry_at());
  EXPECT_FALSE(actuator.original(vm_.id, Resource::kMemory));
  clock_.advance(seconds(3600));
  EXPECT_TRUE(actuator.retry_due(Mode::kEnforce).empty());
  EXPECT_TRUE(actuator.restore_all().empty());
}

// ---- real cgroup v1 -------------------------------------------------------------------------

class ActuatorV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cgroup_.error().empty()) GTEST_SKIP() << "no writable cgroup v1 here: " << cgroup_.error();
    instance_.id = "cgroup:" + cgroup_.path();
    instance_.kind = InstanceKind::kContainer;
    instance_.cgroups = cgroup_.refs();
  }

  Actuator make(int attempts = 5) {
    Backends b;
    auto v1 = CgroupV1Backend::from_host();
    EXPECT_TRUE(v1);
    b.cgroup_v1 = std::make_unique<CgroupV1Backend>(std::move(*v1));
    ActuatorOptions o;
    o.retry = policy(attempts);
    return Actuator(std::move(b), wide_bounds(), clock_, o);
  }
  std::string file(const std::string& controller, const std::string& name) const {
    return cgroup_.dir(controller) + "/" + name;
  }

  V1TestCgroup cgroup_{{"cpu", "memory"}};
  FakeClock clock_;
  Instance instance_;
};

TEST_F(ActuatorV1Test, FailedWriteIsRetriedWithBackoffWhileOtherChangesGoOn) {
  auto actuator = make();
  const auto t0 = clock_.now();
  // 0.005 cores of a 100 ms period is 500 us: the kernel refuses quotas below 1 ms (EINVAL).
  auto records =
      actuator.apply(plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.005),
                                      change(instance_, Resource::kMemory, kNaN, 64 * kMiB)}),
                     instance_, Mode::kEnforce);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, Outcome::kFailed) << describe(records[0]);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->errno_value, EINVAL) << records[0].error->message();
  EXPECT_EQ(records[0].next_retry, std::optional<SteadyTime>(t0 + seconds(10)));
  EXPECT_EQ(records[1].outcome, Outcome::kApplied) << describe(records[1]);
  EXPECT_EQ(slurp(file("memory", "memory.limit_in_bytes")), "67108864\n");
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "-1\n");
  EXPECT_EQ(actuator.pending_retries(), 1u);

  // Not due yet: nothing tried, nothing blocks.
  clock_.advance(seconds(9));
  EXPECT_TRUE(actuator.retry_due(Mode::kEnforce).empty());
  clock_.advance(seconds(1));
  records = actuator.retry_due(Mode::kEnforce);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kFailed) << describe(records[0]);
  EXPECT_EQ(records[0].attempt, 2);
  EXPECT_EQ(records[0].error->errno_value, EINVAL);
  EXPECT_EQ(records[0].next_retry, std::optional<SteadyTime>(clock_.now() + seconds(20)));

  // The cause goes away: with a 1 s period the same 0.005 cores is a 5 ms quota.
  spit(file("cpu", "cpu.cfs_period_us"), "1000000");
  clock_.advance(seconds(19));
  EXPECT_TRUE(actuator.retry_due(Mode::kEnforce).empty());
  clock_.advance(seconds(1));
  records = actuator.retry_due(Mode::kEnforce);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kApplied) << describe(records[0]);
  EXPECT_EQ(records[0].attempt, 3);
  EXPECT_DOUBLE_EQ(records[0].read_back, 0.005);
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "5000\n");
  EXPECT_EQ(actuator.pending_retries(), 0u);
}

TEST_F(ActuatorV1Test, GivesUpAfterTheLastAttempt) {
  auto actuator = make(2);
  auto records = actuator.apply(plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.005)}),
                                instance_, Mode::kEnforce);
  ASSERT_EQ(records[0].outcome, Outcome::kFailed);
  EXPECT_FALSE(records[0].gave_up);
  clock_.advance(seconds(10));
  records = actuator.retry_due(Mode::kEnforce);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kFailed);
  EXPECT_TRUE(records[0].gave_up);
  EXPECT_FALSE(records[0].next_retry);
  EXPECT_EQ(actuator.pending_retries(), 0u);
}

TEST_F(ActuatorV1Test, ANewerPlanReplacesThePendingRetry) {
  auto actuator = make();
  ASSERT_EQ(actuator
                .apply(plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.005)}), instance_,
                       Mode::kEnforce)[0]
                .outcome,
            Outcome::kFailed);
  ASSERT_EQ(actuator.pending_retries(), 1u);
  const auto records = actuator.apply(
      plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.5)}), instance_, Mode::kEnforce);
  EXPECT_EQ(records[0].outcome, Outcome::kApplied) << describe(records[0]);
  EXPECT_EQ(actuator.pending_retries(), 0u);
  clock_.advance(seconds(3600));
  EXPECT_TRUE(actuator.retry_due(Mode::kEnforce).empty());
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "50000\n");
}

TEST_F(ActuatorV1Test, LeavingEnforceDropsPendingRetriesWithoutWriting) {
  auto actuator = make();
  ASSERT_EQ(actuator
                .apply(plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.005)}), instance_,
                       Mode::kEnforce)[0]
                .outcome,
            Outcome::kFailed);
  spit(file("cpu", "cpu.cfs_period_us"), "1000000");  // a retry would now succeed
  clock_.advance(seconds(10));
  const auto records = actuator.retry_due(Mode::kObserve);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::kSkippedMode) << describe(records[0]);
  EXPECT_EQ(records[0].attempt, 2);
  EXPECT_EQ(actuator.pending_retries(), 0u);
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "-1\n");
}

TEST_F(ActuatorV1Test, RestoreAllPutsTheKernelValuesBack) {
  auto actuator = make();
  spit(file("memory", "memory.limit_in_bytes"), "268435456");
  auto records = actuator.apply(
      plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.5),
                       change(instance_, Resource::kMemory, 256 * kMiB, 128 * kMiB)}),
      instance_, Mode::kEnforce);
  for (const auto& r : records) ASSERT_EQ(r.outcome, Outcome::kApplied) << describe(r);
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "50000\n");
  EXPECT_EQ(slurp(file("memory", "memory.limit_in_bytes")), "134217728\n");
  records = actuator.restore_all();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) EXPECT_EQ(r.outcome, Outcome::kApplied) << describe(r);
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "-1\n");
  EXPECT_EQ(slurp(file("memory", "memory.limit_in_bytes")), "268435456\n");
}

// A read-only file root cannot write: the cgroup directory bind-mounted read-only in a
// private mount namespace of a forked child (chmod would not stop root). The write fails
// with EROFS, is retried after the backoff, and succeeds once the mount is gone.
TEST_F(ActuatorV1Test, ReadOnlyMountFailsWithEROFSAndTheRetrySucceedsWhenItIsGone) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string dir = cgroup_.dir("cpu");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    const auto report = [&](const std::string& s) {
      [[maybe_unused]] auto n = ::write(fds[1], s.data(), s.size());
      ::_exit(0);
    };
    const auto why = [](const char* what) {
      return std::string(what) + ": " + std::strerror(errno);
    };
    if (::unshare(CLONE_NEWNS) != 0) report("skip " + why("unshare(CLONE_NEWNS)"));
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      report("skip " + why("making / private"));
    }
    if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      report("skip " + why("bind mount"));
    }
    if (::mount(nullptr, dir.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      report("skip " + why("read-only remount"));
    }
    auto actuator = make();
    auto first = actuator.apply(plan(instance_, {change(instance_, Resource::kCpu, kNaN, 0.5)}),
                                instance_, Mode::kEnforce);
    std::string out = "first=" + std::string(outcome_name(first[0].outcome)) +
                      " errno=" + std::to_string(first[0].error ? first[0].error->errno_value : 0);
    if (::umount2(dir.c_str(), 0) != 0) report(out + " " + why("umount"));
    clock_.advance(seconds(10));
    auto second = actuator.retry_due(Mode::kEnforce);
    out +=
        " second=" + (second.size() == 1 ? std::string(outcome_name(second[0].outcome)) : "none");
    out += " attempt=" + (second.size() == 1 ? std::to_string(second[0].attempt) : "0");
    report(out);
  }
  ::close(fds[1]);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  if (text.rfind("skip ", 0) == 0)
    GTEST_SKIP() << "cannot make a read-only mount: " << text.substr(5);
  EXPECT_EQ(text, "first=failed errno=" + std::to_string(EROFS) + " second=applied attempt=2");
  // The child's successful retry wrote through the real cgroupfs: visible here.
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "50000\n");
}

// ---- backend choice -------------------------------------------------------------------------

TEST(ActuatorChoice, VmsGoToLibvirtContainersToV2WhereItsFileExistsElseV1) {
  V1TestCgroup cgroup({"cpu"});
  if (!cgroup.error().empty()) GTEST_SKIP() << "no writable cgroup v1 here: " << cgroup.error();
  V2Fixture fx;
  FakeClock clock;
  Backends b;
  auto libvirt =
      std::make_unique<ScriptedBackend>("libvirt", std::vector<Resource>{Resource::kCpu});
  auto tc = std::make_unique<ScriptedBackend>("tc", std::vector<Resource>{Resource::kNetwork});
  ScriptedBackend* libvirt_raw = libvirt.get();
  ScriptedBackend* tc_raw = tc.get();
  b.libvirt = std::move(libvirt);
  b.tc = std::move(tc);
  b.cgroup_v2 = std::make_unique<CgroupV2Backend>(fx.mount_point());
  auto v1 = CgroupV1Backend::from_host();
  ASSERT_TRUE(v1);
  b.cgroup_v1 = std::make_unique<CgroupV1Backend>(std::move(*v1));
  Actuator actuator(std::move(b), wide_bounds(), clock);

  Instance vm = V2Fixture::vm_scope();
  vm.kind = InstanceKind::kVirtualMachine;
  vm.id = "vm-uuid";
  auto r = actuator.apply(
      plan(vm, {change(vm, Resource::kCpu, 2, 3), change(vm, Resource::kNetwork, kNaN, 1e6),
                change(vm, Resource::kMemory, kNaN, 64 * kMiB)}),
      vm, Mode::kEnforce);
  EXPECT_EQ(r[0].backend, "libvirt") << describe(r[0]);
  EXPECT_EQ(r[1].backend, "tc") << describe(r[1]);
  EXPECT_EQ(r[2].backend, "cgroup-v2") << describe(r[2]);  // libvirt said unsupported
  EXPECT_EQ(libvirt_raw->writes.size(), 1u);
  EXPECT_EQ(tc_raw->writes.size(), 1u);

  // A container in both hierarchies: v2 where cpu.max exists ...
  Instance both = V2Fixture::vm_scope();
  both.cgroups.push_back(CgroupRef{"cpu", cgroup.path()});
  r = actuator.apply(plan(both, {change(both, Resource::kCpu, 2, 1)}), both, Mode::kEnforce);
  EXPECT_EQ(r[0].backend, "cgroup-v2") << describe(r[0]);
  EXPECT_EQ(r[0].outcome, Outcome::kApplied) << describe(r[0]);
  EXPECT_EQ(slurp(fx.vm_file("cpu.max")), "100000 100000\n");
  // ... v1 where it does not (the docker scope's cpu.max removed: no cpu controller there).
  std::filesystem::remove(fx.container_file("cpu.max"));
  Instance v1_only = V2Fixture::container();
  v1_only.cgroups.push_back(CgroupRef{"cpu", cgroup.path()});
  r = actuator.apply(plan(v1_only, {change(v1_only, Resource::kCpu, kNaN, 0.5)}), v1_only,
                     Mode::kEnforce);
  EXPECT_EQ(r[0].backend, "cgroup-v1") << describe(r[0]);
  EXPECT_EQ(r[0].outcome, Outcome::kApplied) << describe(r[0]);
  EXPECT_EQ(slurp(cgroup.dir("cpu") + "/cpu.cfs_quota_us"), "50000\n");
  // Network of a container goes to tc.
  r = actuator.apply(plan(v1_only, {change(v1_only, Resource::kNetwork, kNaN, 1e6)}), v1_only,
                     Mode::kEnforce);
  EXPECT_EQ(r[0].backend, "tc") << describe(r[0]);
  actuator.restore_all();
}

TEST(ActuatorChoice, TheChoiceIsMadeOncePerInstanceAndResourceUntilForgotten) {
  FakeClock clock;
  Backends b;
  auto tc = std::make_unique<ScriptedBackend>("tc", std::vector<Resource>{});
  ScriptedBackend* raw = tc.get();
  b.tc = std::move(tc);
  Actuator actuator(std::move(b), wide_bounds(), clock);
  Instance i;
  i.id = "static:x";
  for (int n = 0; n < 3; ++n) {
    auto r = actuator.apply(plan(i, {change(i, Resource::kNetwork, kNaN, 1e6)}), i, Mode::kEnforce);
    ASSERT_EQ(r[0].outcome, Outcome::kUnsupported);
    EXPECT_EQ(r[0].error->what, "tc: not scripted for network");
  }
  EXPECT_EQ(raw->unsupported_calls, 1);
  actuator.forget(i.id);
  (void)actuator.apply(plan(i, {change(i, Resource::kNetwork, kNaN, 1e6)}), i, Mode::kEnforce);
  EXPECT_EQ(raw->unsupported_calls, 2);
}

TEST(ActuatorChoice, NoBackendAtAllIsUnsupported) {
  FakeClock clock;
  Actuator actuator(Backends{}, wide_bounds(), clock);
  Instance i;
  i.id = "static:x";
  auto r = actuator.apply(plan(i, {change(i, Resource::kCpu, 1, 2)}), i, Mode::kEnforce);
  ASSERT_EQ(r[0].outcome, Outcome::kUnsupported);
  EXPECT_EQ(r[0].error->what, "no backend configured");
}

TEST(ActuatorReadBack, AValueThatDoesNotStickIsAFailureAndRetried) {
  FakeClock clock;
  Backends b;
  auto tc = std::make_unique<ScriptedBackend>("tc", std::vector<Resource>{Resource::kNetwork});
  ScriptedBackend* raw = tc.get();
  raw->read_back_scale = 0.5;  // the device keeps half of what it is told
  b.tc = std::move(tc);
  ActuatorOptions o;
  o.retry = policy();
  Actuator actuator(std::move(b), wide_bounds(), clock, o);
  Instance i;
  i.id = "static:x";
  auto r = actuator.apply(plan(i, {change(i, Resource::kNetwork, kNaN, 1e6)}), i, Mode::kEnforce);
  ASSERT_EQ(r[0].outcome, Outcome::kFailed) << describe(r[0]);
  EXPECT_DOUBLE_EQ(r[0].read_back, 5e5);
  ASSERT_TRUE(r[0].error);
  EXPECT_NE(r[0].error->what.find("read back 500000 differs"), std::string::npos)
      << r[0].error->what;
  EXPECT_EQ(actuator.pending_retries(), 1u);
  // Within tolerance (1 %) counts as applied.
  raw->read_back_scale = 0.995;
  clock.advance(seconds(10));
  r = actuator.retry_due(Mode::kEnforce);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::kApplied) << describe(r[0]);
}

TEST(ActuatorChange, AChangeForAnotherInstanceIsRefused) {
  FakeClock clock;
  Backends b;
  b.tc = std::make_unique<ScriptedBackend>("tc", std::vector<Resource>{Resource::kNetwork});
  Actuator actuator(std::move(b), wide_bounds(), clock);
  Instance i;
  i.id = "static:x";
  Instance other;
  other.id = "static:y";
  auto r =
      actuator.apply(plan(i, {change(other, Resource::kNetwork, kNaN, 1e6)}), i, Mode::kEnforce);
  ASSERT_EQ(r[0].outcome, Outcome::kRefused);
  ASSERT_TRUE(r[0].error);
}

// ---- backoff --------------------------------------------------------------------------------

TEST(RetryBackoff, DoublesFromTheBaseUpToTheCap) {
  RetryPolicy p;
  p.base = seconds(5);
  p.max = seconds(60);
  EXPECT_EQ(backoff_delay(p, 1), seconds(5));
  EXPECT_EQ(backoff_delay(p, 2), seconds(10));
  EXPECT_EQ(backoff_delay(p, 3), seconds(20));
  EXPECT_EQ(backoff_delay(p, 4), seconds(40));
  EXPECT_EQ(backoff_delay(p, 5), seconds(60));
  EXPECT_EQ(backoff_delay(p, 1000), seconds(60));
}

TEST(RetryQueue, OneEntryPerKeyDueInTimeOrder) {
  RetryQueue q;
  const SteadyTime t0{};
  auto entry = [&](std::string id, Resource r, int after_s) {
    PendingChange p;
    p.change.instance_id = std::move(id);
    p.change.resource = r;
    p.next_at = t0 + seconds(after_s);
    return p;
  };
  q.schedule(entry("a", Resource::kCpu, 30));
  q.schedule(entry("b", Resource::kCpu, 10));
  q.schedule(entry("a", Resource::kMemory, 20));
  q.schedule(entry("a", Resource::kCpu, 5));  // replaces the first
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.next_due(), std::optional<SteadyTime>(t0 + seconds(5)));
  auto due = q.take_due(t0 + seconds(15));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].change.instance_id, "a");
  EXPECT_EQ(due[1].change.instance_id, "b");
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.cancel_instance("a"), 1u);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.cancel("a", Resource::kCpu));
}

}  // namespace
}  // namespace augur::actuate
