// Contention is not demand, on real cgroups: a steady duty-cycled victim (about 40 % of a
// CPU) and a neighbour that ramps up share one CPU (cpuset). The victim's run-queue wait
// rises while its own work stays flat; augurd in enforce mode must classify that as
// contention, name the neighbour, and not grow the victim's quota.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "../daemon/test_process.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kCpuset = "/sys/fs/cgroup/cpuset";
const std::string kCpu = "/sys/fs/cgroup/cpu";
const std::string kUnified = "/sys/fs/cgroup/unified";

void busy_for(std::chrono::microseconds d) {
  const auto end = Clock::now() + d;
  while (Clock::now() < end) {
  }
}

// Runs `duty(t)` (0..1, t in seconds since start) in 100 ms periods, forever.
[[noreturn]] void duty_cycle(double (*duty)(double)) {
  const auto start = Clock::now();
  for (;;) {
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    const double d = std::min(1.0, std::max(0.0, duty(t)));
    busy_for(std::chrono::microseconds(static_cast<long>(d * 100000)));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>((1 - d) * 100000)));
  }
}

double victim_duty(double) {
  return 0.4;
}
// Idle for 12 s (the baseline), then ramps to a full CPU per thread over 15 s.
double neighbour_duty(double t) {
  return t < 12 ? 0.02 : (t - 12) / 15.0;
}

class PinnedCgroup {
 public:
  // `threads` threads each run `duty`.
  PinnedCgroup(std::string name, double (*duty)(double), int threads, long quota_usec)
      : name_(std::move(name)) {
    for (const std::string& root : {kCpuset, kCpu, kUnified})
      ::mkdir((root + "/" + name_).c_str(), 0755);
    write_file(kCpuset + "/" + name_ + "/cpuset.cpus", "1");
    write_file(kCpuset + "/" + name_ + "/cpuset.mems", "0");
    write_file(kCpu + "/" + name_ + "/cpu.cfs_period_us", "100000");
    write_file(kCpu + "/" + name_ + "/cpu.cfs_quota_us", std::to_string(quota_usec));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const std::string self = std::to_string(::getpid());
      for (const std::string& root : {kCpuset, kCpu, kUnified}) {
        write_file(root + "/" + name_ + "/cgroup.procs", self);
      }
      for (int i = 1; i < threads; ++i) std::thread([duty] { duty_cycle(duty); }).detach();
      duty_cycle(duty);
    }
  }
  ~PinnedCgroup() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (const std::string& root : {kCpuset, kCpu, kUnified}) {
      const std::string dir = root + "/" + name_;
      for (int i = 0; i < 50 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  [[nodiscard]] long quota_usec() const {
    return std::stol(read_file(kCpu + "/" + name_ + "/cpu.cfs_quota_us"));
  }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  pid_t pid_ = -1;
};

TEST(AugurdContention, AVictimOfARampingNeighbourIsNotGrown) {
  for (const std::string& root : {kCpuset, kCpu, kUnified}) {
    if (::access(root.c_str(), W_OK) != 0) GTEST_SKIP() << "no writable cgroup hierarchy " << root;
  }
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs CPU 1 to pin both on";
  TempDir dir;
  const std::string tag = std::to_string(::getpid());
  // The victim's quota (0.7 cores) is above its 0.4 of work: throttling never binds.
  PinnedCgroup victim("augur-victim-" + tag, victim_duty, 1, 70000);
  // Three threads: the victim's share of CPU 1 falls well below what it asks for.
  PinnedCgroup neighbour("augur-noisy-" + tag, neighbour_duty, 3, -1);
  write_file(dir.file("augur.yaml"),
             "daemon:\n  runtime_dir: " + dir.file("run") + "\n  state_dir: " + dir.file("state") +
                 "\n  mode: enforce\nlog:\n  target: stderr\n"
                 "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
                 "  cgroups:\n    enabled: true\n    patterns: [\"augur-*-" +
                 tag +
                 "\"]\n"
                 "sampling:\n  interval: 500ms\n"
                 "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
                 "plan:\n  cpu: {min: 0.1, max: 1.0, max_step_fraction: 0.5, cooldown: 1s}\n"
                 "control:\n  group: root\nmetrics:\n  enabled: false\n");
  Child daemon({AUGURD_PATH, "--config", dir.file("augur.yaml")}, {}, dir.file("out"),
               dir.file("err"));
  const long victim_quota = victim.quota_usec();
  // Wait for the classification that names the neighbour: load from outside the test can
  // raise the victim's wait before the neighbour ramps (an onset with no known antagonist).
  bool found = false;
  bool named = false;
  for (int i = 0; i < 70 && !named; ++i) {
    std::this_thread::sleep_for(500ms);
    EXPECT_LE(victim.quota_usec(), victim_quota) << "the victim of contention was grown";
    const std::string log = read_file(dir.file("err"));
    found = log.find("contention, not demand: " + victim.name()) != std::string::npos;
    named = log.find("likely antagonists: " + neighbour.name()) != std::string::npos;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), std::optional<int>(0));
  const std::string log = read_file(dir.file("err"));
  EXPECT_TRUE(found) << log;
  EXPECT_NE(log.find("likely antagonists: " + neighbour.name()), std::string::npos) << log;
  EXPECT_LE(victim.quota_usec(), victim_quota);
}

}  // namespace
}  // namespace augur::testing
