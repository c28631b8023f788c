// Proactive, not only reactive, on a real cgroup v1 CPU controller: a workload repeats a
// phase every 24 s: it starts loading its input (page faults), and 3 s later its CPU demand
// ramps from 0.15 to 0.85 cores over 4 s, holds for 5 s and falls back. Between phases
// augurd scales the quota back down (short scale-down window). The first rounds are met
// reactively and become labelled patterns; in later rounds augurd must raise the quota
// before the demand reaches the quota in force (a positive lead time), with a decision
// record that names its neighbours.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <thread>

#include "../daemon/test_process.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kCpu = "/sys/fs/cgroup/cpu";
const std::string kUnified = "/sys/fs/cgroup/unified";

// The phase schedule, in seconds since the workload started.
struct Schedule {
  double warmup_s = 36;  // quiet: the baseline learns the workload's normal
  double period_s = 24;
  double lag_s = 3;  // loading -> CPU ramp
  double ramp_s = 4;
  double hold_s = 5;
  double low_cores = 0.15;
  double high_cores = 0.85;

  [[nodiscard]] double phase_start(int round) const { return warmup_s + round * period_s; }
  // Seconds into the current phase, or a negative value before the first one.
  [[nodiscard]] double into_phase(double t) const {
    if (t < warmup_s) return -1;
    const double k = std::fmod(t - warmup_s, period_s);
    return k;
  }
  [[nodiscard]] bool loading(double t) const {
    const double k = into_phase(t);
    return k >= 0 && k < lag_s + ramp_s + hold_s;
  }
  [[nodiscard]] double demand_cores(double t) const {
    const double k = into_phase(t) - lag_s;
    if (into_phase(t) < 0 || k < 0 || k >= ramp_s + hold_s) return low_cores;
    if (k < ramp_s) return low_cores + (high_cores - low_cores) * k / ramp_s;
    return high_cores;
  }
  // Seconds into a phase at which the demand first exceeds `cores`.
  [[nodiscard]] double crossing_s(double cores) const {
    if (cores <= low_cores) return lag_s;
    return lag_s + ramp_s * (cores - low_cores) / (high_cores - low_cores);
  }
};

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Page faults while loading: map, touch and unmap 1 MiB every 10 ms (about 25 000 faults/s
// for a few percent of a CPU); otherwise sleep.
[[noreturn]] void loader(const Schedule& s, Clock::time_point start) {
  constexpr std::size_t kBytes = 1 << 20;
  const long page = ::sysconf(_SC_PAGESIZE);
  for (;;) {
    if (s.loading(since(start))) {
      void* p = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) {
        auto* bytes = static_cast<volatile char*>(p);
        for (std::size_t i = 0; i < kBytes; i += static_cast<std::size_t>(page)) bytes[i] = 1;
        ::munmap(p, kBytes);
      }
    }
    std::this_thread::sleep_for(10ms);
  }
}

// The CPU demand in 10 ms slices: busy for demand x 10 ms, then sleep to the slice's end.
[[noreturn]] void burner(const Schedule& s, Clock::time_point start) {
  auto slice_end = Clock::now();
  for (;;) {
    const double d = std::min(1.0, s.demand_cores(since(start)));
    const auto slice_start = slice_end;
    slice_end += 10ms;
    const auto busy_until = slice_start + std::chrono::microseconds(static_cast<long>(d * 10000));
    while (Clock::now() < busy_until) {
    }
    std::this_thread::sleep_until(slice_end);
  }
}

class PhasedCgroup {
 public:
  PhasedCgroup(std::string name, const Schedule& schedule, Clock::time_point start, long quota_usec)
      : name_(std::move(name)), cpu_(kCpu + "/" + name_), unified_(kUnified + "/" + name_) {
    ::mkdir(cpu_.c_str(), 0755);
    ::mkdir(unified_.c_str(), 0755);
    write_file(cpu_ + "/cpu.cfs_period_us", "100000");
    write_file(cpu_ + "/cpu.cfs_quota_us", std::to_string(quota_usec));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const std::string self = std::to_string(::getpid());
      write_file(cpu_ + "/cgroup.procs", self);
      write_file(unified_ + "/cgroup.procs", self);
      std::thread([&schedule, start] { loader(schedule, start); }).detach();
      burner(schedule, start);
    }
  }
  ~PhasedCgroup() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int i = 0; i < 50 && ::rmdir(cpu_.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(20ms);
    }
    ::rmdir(unified_.c_str());
  }
  PhasedCgroup(const PhasedCgroup&) = delete;
  PhasedCgroup& operator=(const PhasedCgroup&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] long quota_usec() const {
    const std::string text = read_file(cpu_ + "/cpu.cfs_quota_us");
    return text.empty() ? -1 : std::stol(text);
  }
  [[nodiscard]] long throttled_ns() const {
    const std::string text = read_file(cpu_ + "/cpu.stat");
    const auto at = text.find("throttled_time ");
    return at == std::string::npos ? -1 : std::stol(text.substr(at + 15));
  }

 private:
  std::string name_;
  std::string cpu_;
  std::string unified_;
  pid_t pid_ = -1;
};

std::string config(const TempDir& dir, const std::string& cgroup) {
  return "daemon:\n  runtime_dir: " + dir.file("run") + "\n  state_dir: " + dir.file("state") +
         "\n  mode: enforce\n"
         "log:\n  target: stderr\n"
         "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
         "  cgroups:\n    enabled: true\n    patterns: [\"" +
         cgroup +
         "\"]\n"
         "sampling:\n  interval: 200ms\n"
         "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
         "drift:\n  min_baseline_windows: 15\n  end_hold_ticks: 10\n"
         "predict:\n  k: 3\n  min_neighbours: 2\n  horizon: 10s\n"
         "plan:\n  cpu: {min: 0.3, max: 1.2, max_step_fraction: 0.5, cooldown: 1s}\n"
         "  scale_down_window: 4s\n  verify_settle: 4s\n  breaker_flips_per_hour: 1000\n"
         "control:\n  group: root\nmetrics:\n  enabled: false\n";
}

// Decision records of applied CPU changes made on a prediction, with their neighbours.
std::vector<std::string> predicted_changes(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("applied:") == std::string::npos ||
        line.find("REASON=prediction") == std::string::npos) {
      continue;
    }
    out.push_back(line);
  }
  return out;
}

TEST(AugurdProactive, RaisesTheQuotaBeforeARepeatedPhaseNeedsIt) {
  if (::access(kCpu.c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup v1 cpu controller at " << kCpu;
  }
  if (::access(kUnified.c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup2 tree at " << kUnified;
  }
  const Schedule s;
  constexpr int kRounds = 6;
  constexpr long kRestQuotaUsec = 30000;  // the configured minimum: 0.3 cores
  TempDir dir;
  const auto start = Clock::now();
  PhasedCgroup cg("augur-proactive-" + std::to_string(::getpid()), s, start, kRestQuotaUsec);
  write_file(dir.file("augur.yaml"), config(dir, cg.name()));
  Child daemon({AUGURD_PATH, "--config", dir.file("augur.yaml")}, {}, dir.file("out"),
               dir.file("err"));

  int proactive_rounds = 0;
  for (int round = 0; round < kRounds; ++round) {
    const double t0 = s.phase_start(round);
    // Quota and throttling in force as the phase starts.
    while (since(start) < t0) std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(daemon.running()) << "augurd exited\n" << read_file(dir.file("err"));
    const long quota0 = cg.quota_usec();
    const long throttled0 = cg.throttled_ns();
    double raise_s = -1;
    double throttle_s = -1;
    while (since(start) < t0 + s.lag_s + s.ramp_s + s.hold_s) {
      std::this_thread::sleep_for(20ms);
      const double k = since(start) - t0;
      // A raise of at least 0.08 cores: an undo of the last scale-down step (at most 0.06
      // cores from 0.36) is not the phase's raise.
      if (raise_s < 0 && cg.quota_usec() > quota0 + 8000) raise_s = k;
      if (throttle_s < 0 && cg.throttled_ns() > throttled0) throttle_s = k;
    }
    // The demand crosses the quota at cross_s; the reactive rule (need x 1.15 over the
    // allocation) can act from reactive_s. Ahead: at least two ticks before that, and
    // before any throttling of this phase.
    const double q0 = static_cast<double>(quota0) / 100000.0;
    const double cross_s = s.crossing_s(q0);
    const double reactive_s = s.crossing_s(q0 / 1.15);
    const double lead_s = raise_s >= 0 ? cross_s - raise_s : -1;
    const bool ahead =
        raise_s >= 0 && raise_s + 0.4 < reactive_s && (throttle_s < 0 || throttle_s > raise_s);
    std::printf(
        "[ proactive ] round %d: quota %.2f cores at the start; demand crosses it at +%.1f s"
        " (reactive from +%.1f s); first raise at %+.1f s; first throttling at %+.1f s;"
        " lead %.1f s%s\n",
        round, q0, cross_s, reactive_s, raise_s, throttle_s, lead_s, ahead ? " (ahead)" : "");
    if (round >= 2 && ahead) ++proactive_rounds;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), std::optional<int>(0));
  const std::string log = read_file(dir.file("err"));
  const std::vector<std::string> predicted = predicted_changes(log);
  ASSERT_FALSE(predicted.empty()) << "no change was made on a prediction\n" << log;
  for (const std::string& line : predicted) std::printf("[ proactive ] %s\n", line.c_str());
  for (const std::string& line : predicted) {
    // NEIGHBOURS="<instance>@<unix ms> d=<distance>;..." (quoted: it holds spaces).
    const auto at = line.find("NEIGHBOURS=\"");
    ASSERT_NE(at, std::string::npos) << "names no neighbours: " << line;
    const std::string neighbours = line.substr(at + 12, line.find('"', at + 12) - at - 12);
    EXPECT_NE(neighbours.find(cg.name() + "@"), std::string::npos) << line;
  }
  EXPECT_GE(proactive_rounds, 2) << "later rounds were not anticipated\n" << log;
}

}  // namespace
}  // namespace augur::testing
