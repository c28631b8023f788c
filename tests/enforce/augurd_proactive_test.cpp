// Proactive, not only reactive, on a real cgroup v1 CPU controller: a workload repeats a
// phase every 24 s: it starts loading its input (page faults), and 3 s later its CPU demand
// ramps from 0.15 to 0.85 cores over 4 s, holds for 5 s and falls back. Between phases
// augurd scales the quota back down (short scale-down window). The first rounds are met
// reactively and become labelled patterns; in later rounds augurd must raise the quota
// before the demand reaches the quota in force (a positive lead time), with a decision
// record that names its neighbours.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <thread>

#include "../daemon/phased_cgroup.h"
#include "../daemon/test_process.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string& kCpu = kCgroupV1Cpu;
const std::string& kUnified = kCgroupUnified;

// The phase schedule (PhaseSchedule's defaults), in seconds since the workload started.
using Schedule = demo::PhaseSchedule;

double since(Clock::time_point start) {
  return demo::seconds_since(start);
}

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
