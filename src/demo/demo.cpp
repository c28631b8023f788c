// The demo: three copies of a phased web-like workload (page faults, then a CPU ramp), each in
// its own CPU cgroup (v1 or v2: cpu_cgroup.h), all started at the same moment from the same quota
// on the same schedule and run side by side for the whole demo:
//   augur     the real augurd (/proc/self/exe) in enforce mode, with a generated config;
//   static    the quota stays where it started;
//   reactive  replay's `reactive` policy, the Kubernetes VPA recommender with its defaults
//             (EVALUATION.md), fed once a second what the host shows of its cgroup.
// A steady batch job runs beside Augur's copy, also under Augur, to show that it leaves a
// steady job alone. Each second the demo prints per copy the CPU used, the quota and the share
// of throttled periods, and it tails augurd's log to print Augur's decisions as they happen.
// Per round (one phase) it measures each copy's throttled time and whether Augur's first raise
// came on a prediction before throttling started. docs/operations.md, "Demo".
#include "augur/demo/demo.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "augur/actuate/kernel_file.h"
#include "augur/demo/phased_workload.h"
#include "augur/host/cgroup_layout.h"
#include "augur/host/open_file.h"
#include "augur/host/pressure.h"
#include "augur_log.h"
#include "cpu_cgroup.h"
#include "database_copies.h"
#include "live_view.h"
#include "memory_cgroup.h"
#include "vpa_controller.h"

namespace augur::demo {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr long kPeriodUsec = 100000;
// Every copy starts at the bounds' minimum; Augur and the reactive policy stay within the
// same bounds.
constexpr double kStartCores = 0.2;
constexpr double kMinCores = 0.2;
constexpr double kMaxCores = 0.8;
constexpr double kBatchCores = 0.1;
// predict.min_neighbours: the labelled episodes Augur needs before it predicts, so the rounds
// the summary counts as learning.
constexpr int kLearningRounds = 2;
constexpr int kDefaultRounds = 6;
constexpr int kMaxRounds = 10;
constexpr auto kPoll = 50ms;

int g_signal_pipe[2] = {-1, -1};

void on_signal(int) {
  const char c = 1;
  [[maybe_unused]] const ssize_t n = ::write(g_signal_pipe[1], &c, 1);
}

double since(Clock::time_point start) {
  return seconds_since(start);
}

// A kernel or log file's content; empty when it cannot be read (a cgroup or process gone),
// which every caller treats as "no reading".
std::string read_file(const std::string& path) {
  return host::read_file(path).value_or("");
}

double cores(long quota_usec) {
  return quota_usec < 0 ? -1 : static_cast<double>(quota_usec) / kPeriodUsec;
}
long quota_usec_for(double c) {
  return std::lround(c * kPeriodUsec);
}

// The web workload's schedule, in seconds since the demo started: quiet for the warm-up (Augur
// learns the workload's normal), then a phase every period: page faults from the phase's
// start, and after `lag_s` the CPU demand ramps from low to high over `ramp_s`, holds for
// `hold_s` and falls back. Augur's drift detection and prediction settings are those of
// tests/enforce/augurd_proactive_test.cpp; the demand is lower so that three copies, the
// batch job and the daemon fit on two CPUs with room to spare (about 0.3 cores between
// phases, 1.5 at their peak).
//   warmup_s: the baseline is trusted once it holds 15 windows of 8 ticks at 200 ms and 100
//     calibration scores, about 35 s after the daemon starts; a phase before that would be
//     learned as normal and never detected.
//   period_s: after the load, the episode must end (10 ticks below the threshold) and the
//     quota come back down before the next phase; 10 s of quiet leave room for both.
// Six rounds take 38 + 5 x 18 + 10 = 138 s.
// The demo's schedule (PhaseSchedule's defaults are the proactive test's).
PhaseSchedule demo_schedule() {
  PhaseSchedule s;
  s.warmup_s = 38;
  s.period_s = 18;
  s.lag_s = 3;
  s.ramp_s = 2;
  s.hold_s = 3;
  s.low_cores = 0.05;
  s.high_cores = 0.45;
  return s;
}

// The host's cgroup layout from /proc/self/mountinfo.
Result<host::CgroupLayout> find_layout() {
  auto layout = host::read_cgroup_layout();
  if (!layout) {
    return Error{"cannot read the cgroup layout: " + layout.error().message(),
                 "/proc/self/mountinfo"};
  }
  return layout;
}

// The database copies' directory: on a disk, since page cache on a tmpfs cannot be evicted
// (with no swap, a limit below the working set would kill the workload); "" and why not.
std::string make_data_dir(std::string& why) {
  std::string dir = "/var/tmp/augur-demo-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    why = "cannot create " + dir + ": " + std::strerror(errno);
    return "";
  }
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
    why = "/var/tmp is a tmpfs; they need a directory on a disk";
    ::rmdir(dir.c_str());
    return "";
  }
  return dir;
}

// The host's CPU utilisation (all CPUs, 0..1) between two calls, from /proc/stat.
class HostCpu {
 public:
  double utilisation() {
    std::istringstream in(read_file("/proc/stat"));
    std::string cpu;
    long long total = 0;
    long long idle = 0;
    in >> cpu;
    long long v = 0;
    for (int i = 0; i < 8 && in >> v; ++i) {
      total += v;
      if (i == 3 || i == 4) idle += v;  // idle, iowait
    }
    const long long dt = total - total_;
    const double u = dt > 0 ? 1.0 - static_cast<double>(idle - idle_) / static_cast<double>(dt) : 0;
    total_ = total;
    idle_ = idle;
    return std::clamp(u, 0.0, 1.0);
  }

 private:
  long long total_ = 0;
  long long idle_ = 0;
};

enum class Policy { kAugur, kStatic, kReactive };
constexpr std::array<Policy, 3> kPolicies = {Policy::kAugur, Policy::kStatic, Policy::kReactive};
constexpr std::size_t index_of(Policy p) {
  return static_cast<std::size_t>(p);
}

using CpuStat = CpuThrottling;

struct Group {
  std::string label;  // "augur", "static", "reactive", "batch"
  Policy policy = Policy::kStatic;
  Workload workload;
  std::string name;  // the cgroup's (and Augur's instance's) name
  CpuCgroup cgroup;
  pid_t pid = -1;
  // Read every poll.
  long quota_usec = quota_usec_for(kStartCores);
  CpuStat stat;
  // As of the last one-second line.
  CpuStat second;
  long ticks = 0;
  int changes = 0;

  // utime + stime of the workload (all its threads), in clock ticks.
  [[nodiscard]] long cpu_ticks() const {
    const std::string t = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = t.rfind(')');
    if (close == std::string::npos || close + 2 > t.size()) return ticks;
    std::istringstream in(t.substr(close + 2));
    std::string field;
    long utime = 0;
    long stime = 0;
    for (int i = 3; in >> field; ++i) {
      if (i == 14) utime = std::atol(field.c_str());
      if (i == 15) {
        stime = std::atol(field.c_str());
        break;
      }
    }
    return utime + stime;
  }
};

Status start_group(Group& g, Clock::time_point start) {
  if (auto s = g.cgroup.create(); !s) return s;
  if (auto s = g.cgroup.set_quota(g.quota_usec, kPeriodUsec); !s) return s;
  g.pid = fork_into(g.cgroup, [&] { run_workload(g.workload, start); });
  if (g.pid < 0) return errno_error("cannot start the workload", g.cgroup.cpu_dir());
  return {};
}

void stop_child(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

void remove_group(Group& g) {
  stop_child(g.pid);
  g.cgroup.remove();
}

// An application type for each of Augur's instances ({cgroup name, type}): Augur learns each
// workload's normal and past drift patterns apart (an instance without a type would be given
// the nearest known one, and predicted from its patterns). With other_type_penalty at its
// maximum, another workload's pattern weighs next to nothing in a prediction: the three are
// unrelated.
using TypeRules = std::vector<std::pair<std::string, std::string>>;

// tests/enforce/augurd_proactive_test.cpp's tuning, within the demo's bounds.
std::string daemon_config(const std::string& dir, const std::string& pattern,
                          const TypeRules& types) {
  char bounds[256];
  std::snprintf(bounds, sizeof(bounds),
                "  cpu: {min: %.2f, max: %.2f, max_step_fraction: 0.5, cooldown: 1s}\n"
                "  memory: {min: %.0fMiB, max: %.0fMiB, max_step_fraction: 0.5, cooldown: 1s}\n",
                kMinCores, kMaxCores, DatabaseCopies::kMinMiB, DatabaseCopies::kMaxMiB);
  std::string type_rules = "    type_rules:\n";
  for (const auto& [name, type] : types) {
    type_rules += "      - {pattern: \"" + name + "\", type: " + type + "}\n";
  }
  return "daemon:\n  runtime_dir: " + dir + "/run\n  state_dir: " + dir +
         "/state\n  mode: enforce\n"
         "log:\n  target: stderr\n"
         "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
         "  cgroups:\n    enabled: true\n    patterns: [\"" +
         pattern + "\"]\n" + type_rules +
         "sampling:\n  interval: 200ms\n"
         "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
         "drift:\n  min_baseline_windows: 15\n  end_hold_ticks: 10\n"
         "predict:\n  k: 3\n  other_type_penalty: 1000\n  min_neighbours: " +
         std::to_string(kLearningRounds) +
         "\n  horizon: 10s\n"
         "plan:\n" +
         bounds +
         "  scale_down_window: 4s\n  verify_settle: 4s\n  breaker_flips_per_hour: 1000\n"
         "control:\n  group: root\nmetrics:\n  enabled: false\n";
}

// augurd with stdout and stderr on `log_fd`.
pid_t spawn_augurd(const std::string& dir, int log_fd) {
  const std::string config = dir + "/augur.yaml";
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Its own process group: Ctrl-C reaches the demo, which stops the daemon in order.
  ::setpgid(0, 0);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  const char* argv[] = {"augurd", "--config", config.c_str(), nullptr};
  ::execv("/proc/self/exe", const_cast<char* const*>(argv));
  ::_exit(127);
}

void stop_daemon(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(50ms);
  }
  stop_child(pid);
}

// Waits up to `ms`; true when a stop signal arrived.
bool wait_signal(int ms) {
  pollfd p{g_signal_pipe[0], POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

// "; CPU pressure stall augur 1.20 s, static 9.80 s, reactive 4.10 s", or "" without cgroup2.
std::string stall_text(const std::array<double, 3>& stall_s) {
  if (std::any_of(stall_s.begin(), stall_s.end(), [](double v) { return v < 0; })) return "";
  char buf[128];
  std::snprintf(buf, sizeof(buf),
                "; CPU pressure stall augur %.2f s, static %.2f s, reactive %.2f s", stall_s[0],
                stall_s[1], stall_s[2]);
  return buf;
}

// Adds a round's measured stall to a sum that stays unmeasured (-1) once one is missing.
void add_stall(std::array<double, 3>& sum, const std::array<double, 3>& round) {
  for (std::size_t i = 0; i < 3; ++i) sum[i] = sum[i] < 0 || round[i] < 0 ? -1 : sum[i] + round[i];
}

// A round is one phase: from its start to the next one's (the last: to the run's end).
// Index 0 of the demo's list is the warm-up before the first phase.
struct Round {
  int number = 0;  // 1-based; 0: the warm-up
  double t0 = 0;
  std::array<CpuStat, 3> at_start{};
  std::array<double, 3> throttled_s{};
  std::array<double, 3> stall_s{-1, -1, -1};  // CPU pressure stall; -1: not measured
  std::array<int, 3> changes{};
  std::array<double, 3> first_throttled_s{-1, -1, -1};  // seconds into the round; -1: never
  double augur_quota0 = 0;
  std::optional<Change> augur_first_raise;
  std::string prediction;  // Augur's prediction (or why none) at this round's episode start
  bool episode_started = false;
};

struct Demo {
  PhaseSchedule schedule = demo_schedule();
  int rounds = kDefaultRounds;
  Hierarchy where;
  std::string dir;       // temp dir: augurd's config, store and runtime files (and log)
  std::string data_dir;  // the database copies' files: on a disk, not a tmpfs
  std::unique_ptr<DatabaseCopies> db;  // nullptr: this host cannot run them (said why)
  std::string log_path;                // augurd's stdout and stderr
  Clock::time_point start;
  std::vector<Group> groups;  // augur, static, reactive (index_of(policy)), then batch
  pid_t daemon = -1;
  std::vector<Round> history;  // the warm-up, then each round begun so far
  HostCpu host;
  double host_use_sum = 0;
  double host_use_max = 0;
  int host_seconds = 0;
  int host_busy_seconds = 0;
  int batch_changes = 0;
  int contention_findings = 0;
  VpaController vpa{Resource::kCpu, kStartCores,
                    static_cast<double>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)))};
  bool stopped = false;
  bool failed = false;
  LiveView view{stdout, LiveView::mode_for(stdout)};

  Group& web(Policy p) { return groups[index_of(p)]; }
  Group& batch() { return groups[3]; }

  void open_round(int number, double t0) {
    Round r;
    r.number = number;
    r.t0 = t0;
    for (Policy p : kPolicies) r.at_start[index_of(p)] = web(p).stat;
    r.augur_quota0 = cores(web(Policy::kAugur).quota_usec);
    history.push_back(std::move(r));
    if (db) db->open_round(number, t0);
  }
  void close_round() {
    if (db) db->close_round();
    Round& r = history.back();
    for (Policy p : kPolicies) {
      const std::size_t i = index_of(p);
      r.throttled_s[i] =
          static_cast<double>(web(p).stat.throttled_ns - r.at_start[i].throttled_ns) / 1e9;
      if (web(p).stat.cpu_stall_usec >= 0 && r.at_start[i].cpu_stall_usec >= 0) {
        r.stall_s[i] =
            static_cast<double>(web(p).stat.cpu_stall_usec - r.at_start[i].cpu_stall_usec) / 1e6;
      }
    }
  }

  void on_log_line(const std::string& line, double t) {
    std::string level;
    std::string message;
    if (!split_log_line(line, level, message)) return;
    const Group& a = web(Policy::kAugur);
    // The record's subject, not a mention (a contention finding names its antagonists).
    const bool about_db =
        db && (line + " ").find(" INSTANCE=" + db->augur_name() + " ") != std::string::npos;
    const bool about_ours = message.find(a.name) != std::string::npos ||
                            message.find(groups[3].name) != std::string::npos ||
                            (db && message.find(db->augur_name()) != std::string::npos);
    const bool problem = level == "warning" || level == "error" || level == "critical";
    if (!about_ours && !problem) return;
    replace_all(message, a.name, "web");
    replace_all(message, groups[3].name, "batch");
    if (db) replace_all(message, db->augur_name(), "db");
    if (message.rfind("drift episode peak", 0) == 0) return;
    Round& r = history.back();
    if (about_db) {
      message = db->on_augur_message(message, t);
    } else if (auto c = parse_applied(message, "web", "cpu")) {
      c->at_s = t - r.t0;
      ++r.changes[index_of(Policy::kAugur)];
      ++web(Policy::kAugur).changes;
      if (c->to > c->from && !r.augur_first_raise && r.number > 0) r.augur_first_raise = c;
    } else if (parse_applied(message, "batch", "cpu")) {
      ++batch_changes;
      ++batch().changes;
    } else if (message.rfind("prediction for web", 0) == 0) {
      // The increase is scaled by the host's headroom (1 - utilisation): say so.
      const auto unadjusted = line.find(" UNADJUSTED_INCREASE=cpu=");
      const auto headroom = line.find(" HEADROOM_FACTOR=\"cpu=");
      if (unadjusted != std::string::npos && headroom != std::string::npos) {
        char buf[128];
        std::snprintf(buf, sizeof(buf), "; before the host headroom factor %.2f: cpu=%.3f",
                      std::atof(line.c_str() + headroom + 22),
                      std::atof(line.c_str() + unadjusted + 25));
        message += buf;
      }
      if (r.prediction.empty()) r.prediction = message;
    } else if (message.rfind("no prediction for web", 0) == 0) {
      if (r.prediction.empty()) r.prediction = message;
    } else if (message.rfind("drift episode started: web ", 0) == 0) {
      r.episode_started = true;
    } else if (message.rfind("contention, not demand", 0) == 0) {
      ++contention_findings;
    }
    char at[32];
    std::snprintf(at, sizeof(at), "%6.1fs    Augur: ", t);
    view.event(at + message);
  }

  // Once a second: the live state, then the reactive policies' decisions.
  void each_second(double t, long hz) {
    const int round = static_cast<int>(history.size()) - 1;
    char buf[96];
    const double host_use = host.utilisation();
    host_use_sum += host_use;
    host_use_max = std::max(host_use_max, host_use);
    ++host_seconds;
    host_busy_seconds += host_use > 0.9 ? 1 : 0;
    if (round == 0) {
      std::snprintf(buf, sizeof(buf), "%5.0fs warm-up        host %3.0f%%", t, host_use * 100);
    } else {
      std::snprintf(buf, sizeof(buf), "%5.0fs round %d +%4.1fs host %3.0f%%", t, round,
                    t - history.back().t0, host_use * 100);
    }
    const std::string title = buf;
    std::snprintf(buf, sizeof(buf), "web demand %.2f |", schedule.demand_cores(t));
    std::string line = buf;
    Group* reactive = nullptr;
    double reactive_use = 0;
    double reactive_pressure = 0;
    for (Group& g : groups) {
      const long ticks = g.cpu_ticks();
      const double use = static_cast<double>(ticks - g.ticks) / static_cast<double>(hz);
      const long periods = g.stat.periods - g.second.periods;
      const double share =
          periods > 0 ? static_cast<double>(g.stat.throttled_periods - g.second.throttled_periods) /
                            static_cast<double>(periods)
                      : 0.0;
      std::snprintf(buf, sizeof(buf), " %s %.2f/%.2f %3.0f%% |", g.label.c_str(), use,
                    cores(g.quota_usec), share * 100);
      line += buf;
      if (g.policy == Policy::kReactive) {
        reactive = &g;
        reactive_use = use;
        reactive_pressure = unmet_share(g, share);
      }
      g.ticks = ticks;
      g.second = g.stat;
    }
    line.resize(line.size() - 2);  // the last " |"
    std::vector<std::string> comparisons{line};
    std::string db_event;
    if (db) comparisons.push_back(db->each_second(t, db_event));
    view.state(title, comparisons);
    if (!db_event.empty()) view.event(db_event);
    if (reactive != nullptr) react(*reactive, reactive_use, reactive_pressure, t);
  }

  // EVALUATION.md's pressure p = unmet demand / allocation, as the host shows it: the web
  // workload is one thread, so the share of the second its cgroup2 group had a task waiting
  // (CPU pressure "some") is its unmet demand in cores. Without cgroup2, the share of
  // throttled periods.
  static double unmet_share(const Group& g, double throttled_share) {
    const double q = cores(g.quota_usec);
    if (g.stat.cpu_stall_usec < 0 || g.second.cpu_stall_usec < 0 || q <= 0) {
      return std::clamp(throttled_share, 0.0, 1.0);
    }
    const double stall_s =
        static_cast<double>(g.stat.cpu_stall_usec - g.second.cpu_stall_usec) / 1e6;
    return std::clamp(stall_s / q, 0.0, 1.0);
  }

  void react(Group& g, double use, double pressure, double t) {
    const double q = cores(g.quota_usec);
    const double next = std::clamp(vpa.decide(use, pressure, q), kMinCores, kMaxCores);
    const long usec = quota_usec_for(next);
    if (usec == g.quota_usec) return;
    char buf[160];
    if (auto s = g.cgroup.set_quota(usec, kPeriodUsec); !s) {
      std::snprintf(buf, sizeof(buf), "%6.1fs reactive: cannot set the quota: %s", t,
                    s.error().message().c_str());
      view.event(buf);
      return;
    }
    std::snprintf(buf, sizeof(buf),
                  "%6.1fs reactive: cpu %.2f -> %.2f (VPA target, the quota left its bounds)", t, q,
                  cores(usec));
    view.event(buf);
    g.quota_usec = usec;
    ++g.changes;
    ++history.back().changes[index_of(Policy::kReactive)];
  }

  void read_groups() {
    for (Group& g : groups) {
      const long q = g.cgroup.quota_usec();
      if (q > 0) g.quota_usec = q;
      g.stat = g.cgroup.throttling();
    }
  }
  // The first throttling of each web copy in this round.
  void note_throttling(double t) {
    Round& r = history.back();
    for (Policy p : kPolicies) {
      const std::size_t i = index_of(p);
      if (r.first_throttled_s[i] < 0 && web(p).stat.throttled_ns > r.at_start[i].throttled_ns) {
        r.first_throttled_s[i] = t - r.t0;
      }
    }
  }

  // False (and says why) when a workload has exited: the figures would mean nothing.
  bool workloads_alive() {
    for (Group& g : groups) {
      int status = 0;
      if (g.pid > 0 && ::waitpid(g.pid, &status, WNOHANG) == g.pid) {
        std::printf("the %s workload exited (%s %d)\n", g.label.c_str(),
                    WIFEXITED(status) ? "status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        g.pid = -1;
        return false;
      }
    }
    if (std::string why; db && !db->alive(why)) {
      std::printf("%s\n", why.c_str());
      return false;
    }
    return true;
  }

  bool daemon_alive() {
    int status = 0;
    if (daemon <= 0) return false;
    if (::waitpid(daemon, &status, WNOHANG) != daemon) return true;
    daemon = -1;
    std::printf("augurd exited early (%s %d); the end of its log:\n%s",
                WIFEXITED(status) ? "status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                LogTail(log_path).tail(20).c_str());
    return false;
  }

  void run() {
    LogTail tail(log_path);
    const long hz = ::sysconf(_SC_CLK_TCK);
    const double run_s = schedule.run_s(rounds);
    for (Group& g : groups) {
      g.ticks = g.cpu_ticks();
      g.stat = g.second = g.cgroup.throttling();
    }
    host.utilisation();
    open_round(0, 0);
    double next_second = 1;
    auto next_poll = start + kPoll;
    for (;;) {
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - Clock::now());
      if (wait_signal(static_cast<int>(std::max<long>(0, wait.count())))) {
        stopped = true;
        return;
      }
      next_poll += kPoll;
      const double t = since(start);
      read_groups();
      const int begun = static_cast<int>(history.size()) - 1;
      if (begun < rounds && t >= schedule.phase_start(begun)) {
        close_round();
        open_round(begun + 1, schedule.phase_start(begun));
        char head[128];
        std::snprintf(head, sizeof(head), "------ round %d of %d: a phase starts (%s) ------",
                      begun + 1, rounds,
                      begun < kLearningRounds ? "Augur learns from it"
                                              : "Augur has seen it before: it should act ahead");
        view.event(head);
      }
      if (t >= run_s) break;
      note_throttling(t);
      for (const std::string& line : tail.read_lines()) on_log_line(line, t);
      if (t >= next_second) {
        next_second += 1;
        if (!daemon_alive() || !workloads_alive()) {
          failed = true;
          return;
        }
        each_second(t, hz);
      }
      std::fflush(stdout);
    }
    for (const std::string& line : tail.read_lines()) on_log_line(line, since(start));
    close_round();
  }

  void summary() const {
    std::printf("\n== per round: throttled time of each web copy; Augur's first raise ==\n");
    std::printf(
        "(a round is one phase; the demand crosses %.2f cores, the start quota, %.1f s "
        "into it)\n",
        kStartCores, schedule.crossing_s(kStartCores));
    std::array<double, 3> total{};
    std::array<double, 3> after{};
    std::array<double, 3> total_stall{};
    std::array<double, 3> after_stall{};
    std::array<int, 3> changes{};
    int ahead = 0;
    int predicted_rounds = 0;
    double lead_min = 1e9;
    double lead_max = -1e9;
    for (const Round& r : history) {
      for (std::size_t i = 0; i < 3; ++i) {
        total[i] += r.throttled_s[i];
        changes[i] += r.changes[i];
        if (r.number > kLearningRounds) after[i] += r.throttled_s[i];
      }
      add_stall(total_stall, r.stall_s);
      if (r.number > kLearningRounds) add_stall(after_stall, r.stall_s);
      if (r.number == 0) {
        std::printf("warm-up: throttled augur %.2f s, static %.2f s, reactive %.2f s%s\n",
                    r.throttled_s[0], r.throttled_s[1], r.throttled_s[2],
                    stall_text(r.stall_s).c_str());
        continue;
      }
      char none[64];
      std::snprintf(none, sizeof(none), "none (quota %.2f at the start)", r.augur_quota0);
      std::string raise = none;
      std::string lead;
      bool is_ahead = false;
      if (r.augur_first_raise) {
        const Change& c = *r.augur_first_raise;
        char buf[96];
        std::snprintf(buf, sizeof(buf), "+%.1f s (%s %.2f -> %.2f)", c.at_s, c.reason.c_str(),
                      c.from, c.to);
        raise = buf;
        const double throttled = r.first_throttled_s[0];
        is_ahead = c.reason == "prediction" && (throttled < 0 || c.at_s < throttled);
        // Lead: how long before the demand would have exceeded the quota the raise replaced.
        const double cross = schedule.crossing_s(c.from);
        if (cross >= 0) {
          std::snprintf(buf, sizeof(buf), ", lead %.1f s", cross - c.at_s);
          lead = buf;
          if (is_ahead && r.number > kLearningRounds) {
            lead_min = std::min(lead_min, cross - c.at_s);
            lead_max = std::max(lead_max, cross - c.at_s);
          }
        }
      }
      char throttled[32] = "never";
      if (r.first_throttled_s[0] >= 0) {
        std::snprintf(throttled, sizeof(throttled), "+%.1f s", r.first_throttled_s[0]);
      }
      std::string verdict;
      if (is_ahead) {
        verdict = "ahead";
      } else if (!r.augur_first_raise) {
        verdict = "not ahead: no raise";
      } else if (r.augur_first_raise->reason != "prediction") {
        verdict = "not ahead: first raise " + r.augur_first_raise->reason;
      } else {
        verdict = "not ahead: raised after throttling began";
      }
      if (r.number <= kLearningRounds) {
        verdict += " (learning round, not counted)";
      } else {
        ++predicted_rounds;
        ahead += is_ahead ? 1 : 0;
      }
      std::printf(
          "round %d: throttled augur %.2f s, static %.2f s, reactive %.2f s; quota changes augur "
          "%d, reactive %d\n"
          "         Augur: first raise %s, first throttled %s%s: %s\n",
          r.number, r.throttled_s[0], r.throttled_s[1], r.throttled_s[2], r.changes[0],
          r.changes[2], raise.c_str(), throttled, lead.c_str(), verdict.c_str());
      if (const std::string stall = stall_text(r.stall_s); !stall.empty()) {
        std::printf("         %s\n", stall.substr(2).c_str());
      }
      if (!r.prediction.empty()) std::printf("         %s\n", r.prediction.c_str());
      if (!r.episode_started) {
        std::printf(
            "         no drift episode started in this round (the last one was still open)\n");
      }
    }
    if (predicted_rounds > 0) {
      const std::string counted =
          rounds > kLearningRounds + 1
              ? "rounds " + std::to_string(kLearningRounds + 1) + "-" + std::to_string(rounds)
              : "round " + std::to_string(rounds);
      std::printf(
          "after learning (%s): throttled augur %.2f s, static %.2f s, reactive %.2f s%s; Augur "
          "ahead in %d of %d rounds",
          counted.c_str(), after[0], after[1], after[2], stall_text(after_stall).c_str(), ahead,
          predicted_rounds);
      if (ahead > 0 && std::lround(lead_min * 10) == std::lround(lead_max * 10)) {
        std::printf(", lead %.1f s", lead_min);
      } else if (ahead > 0) {
        std::printf(", lead %.1f to %.1f s", lead_min, lead_max);
      }
      std::printf("\n");
    }
    std::printf(
        "quota changes to the web copies: augur %d, static %d, reactive %d; Augur's changes to "
        "the batch job: %d;\nAugur's contention findings (copies starving each other): %d\n",
        changes[0], changes[1], changes[2], batch_changes, contention_findings);
    if (changes[2] == 0) {
      std::printf(
          "(reactive is the VPA recommender: its confidence grows with days of history, so over a "
          "few minutes\n[lower, upper] stays wide around its target and it leaves the quota "
          "where it started)\n");
    }
    std::printf(
        "host CPU use (all CPUs, this demo included): mean %.0f%%, max %.0f%%, over 90%% for %d "
        "s%s\n",
        host_seconds > 0 ? 100 * host_use_sum / host_seconds : 0.0, 100 * host_use_max,
        host_busy_seconds,
        host_busy_seconds > 10 ? " (Augur scales a predicted increase by the host's headroom: on "
                                 "a saturated host it does not grow ahead of demand)"
                               : "");
    std::printf("total throttled: augur %.2f s, static %.2f s, reactive %.2f s\n", total[0],
                total[1], total[2]);
    if (const std::string stall = stall_text(total_stall); !stall.empty()) {
      std::printf("total %s\n", stall.substr(2).c_str());
    }
    if (db) db->summary(kLearningRounds);
  }

  void cleanup() {
    stop_daemon(daemon);
    for (Group& g : groups) remove_group(g);
    if (db) db->stop();
    for (const std::string& d : {dir, data_dir}) {
      if (d.empty()) continue;
      std::error_code ignored;
      std::filesystem::remove_all(d, ignored);
    }
  }
};

// --demo [--demo-rounds N] [--demo-log FILE]
bool parse_args(int argc, char** argv, int& rounds, std::string& log_path) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--demo") == 0) continue;
    if (std::strcmp(argv[i], "--demo-rounds") == 0 && i + 1 < argc) {
      char* end = nullptr;
      const long n = std::strtol(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || n < 1 || n > kMaxRounds) return false;
      rounds = static_cast<int>(n);
      continue;
    }
    if (std::strcmp(argv[i], "--demo-log") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
      log_path = argv[++i];
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

bool wants_demo(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--demo") == 0) return true;
  }
  return false;
}

int run_demo(int argc, char** argv) {
  Demo demo;
  std::string kept_log;
  if (!parse_args(argc, argv, demo.rounds, kept_log)) {
    std::fprintf(stderr,
                 "usage: augurd --demo [--demo-rounds N] [--demo-log FILE]\n"
                 "  N: rounds (phases), 1..%d, default %d; FILE: keep augurd's whole log there\n",
                 kMaxRounds, kDefaultRounds);
    return 64;
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "augurd --demo: must run as root (it creates cgroups)\n");
    return 2;
  }
  auto layout = find_layout();
  if (!layout) {
    std::fprintf(stderr, "augurd --demo: %s\n", layout.error().message().c_str());
    return 2;
  }
  auto where = prepare_cpu_hierarchy(*layout);
  if (!where) {
    std::fprintf(stderr, "augurd --demo: %s\n", where.error().message().c_str());
    return 2;
  }
  demo.where = *where;
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not skip the clean-up

  demo.dir = "/tmp/augur-demo-XXXXXX";
  if (::mkdtemp(demo.dir.data()) == nullptr) {
    std::fprintf(stderr, "augurd --demo: cannot create a temporary directory: %s\n",
                 std::strerror(errno));
    return 1;
  }
  demo.log_path = kept_log.empty() ? demo.dir + "/augurd.log" : kept_log;
  const std::string tag = std::to_string(::getpid());
  const Workload web{&demo.schedule, 0};
  const Workload steady{nullptr, kBatchCores};
  auto add = [&](const std::string& label, Policy policy, const std::string& under,
                 const Workload& w) {
    Group g;
    g.label = label;
    g.policy = policy;
    g.workload = w;
    g.name = "augur-demo-" + under + "-" + tag;
    g.cgroup = CpuCgroup(demo.where, g.name);
    demo.groups.push_back(std::move(g));
  };
  add("augur", Policy::kAugur, "augur-web", web);
  add("static", Policy::kStatic, "static-web", web);
  add("reactive", Policy::kReactive, "reactive-web", web);
  add("batch", Policy::kAugur, "augur-batch", steady);
  // The database copies need a memory controller and a disk directory; without them the demo
  // runs the web comparison alone and says why.
  std::string no_db;
  auto memory = prepare_memory_hierarchy(*layout);
  if (!memory) {
    no_db = memory.error().message();
  } else if (demo.data_dir = make_data_dir(no_db); !demo.data_dir.empty()) {
    demo.db = std::make_unique<DatabaseCopies>(*memory, tag, demo.data_dir, demo.schedule);
  }

  const PhaseSchedule& s = demo.schedule;
  std::printf(
      "augurd --demo: three copies of a phased web workload run side by side, each in its own "
      "cgroup\n(%s), all from a %.2f-core quota on the same schedule:\n"
      "  augur     under the real augurd in enforce mode (bounds %.2f..%.2f cores)\n"
      "  static    the quota stays at %.2f cores\n"
      "  reactive  replay's reactive policy, the Kubernetes VPA recommender with its defaults, "
      "once a second:\n            moves the quota to its target (p90 x 1.15 of a decaying "
      "usage histogram) when it\n            leaves [lower, upper]; VPA's confidence grows with "
      "days of history, so over\n            minutes the bounds are wide; %.2f..%.2f cores\n"
      "  batch     a steady %.2f cores beside Augur's copy, also under Augur\n"
      "web: %.2f cores for a %.0f s warm-up, then a phase every %.0f s: page faults; %.0f s "
      "later CPU ramps\nto %.2f cores over %.0f s, holds %.0f s, falls back. %d rounds, %.0f s. "
      "Augur predicts once it\nholds %d labelled drift episodes (past phases): rounds 1-%d are "
      "for learning; from round %d it should\nraise the quota ahead of demand.\n",
      demo.where.describe().c_str(), kStartCores, kMinCores, kMaxCores, kStartCores, kMinCores,
      kMaxCores, kBatchCores, s.low_cores, s.warmup_s, s.period_s, s.lag_s, s.high_cores, s.ramp_s,
      s.hold_s, demo.rounds, s.run_s(demo.rounds), kLearningRounds, kLearningRounds,
      kLearningRounds + 1);
  if (demo.db) {
    const DatabaseShape& d = demo.db->shape();
    std::printf(
        "and three copies of a database-like workload, each in its own memory cgroup (%s),\nall "
        "from a %.0f MiB limit: augur (bounds %.0f..%.0f MiB), static, reactive (VPA for memory, "
        "fed\nthe working set). Each reads its %.0f MiB table over and over (%.0f MiB/s); in each "
        "phase a report\nquery spills a file growing to %.0f MiB by the end of the CPU ramp and "
        "reads it too, until the phase\nends and the spill is deleted. Under a limit below the "
        "working set, the kernel evicts what the\nnext pass reads again from disk: the re-reads "
        "measure it (and the I/O pressure stall,\nsmall on a fast disk).\n",
        memory->describe().c_str(), DatabaseCopies::kStartMiB, DatabaseCopies::kMinMiB,
        DatabaseCopies::kMaxMiB, d.table_mib, d.scan_mib_per_s, d.spill_mib);
  } else {
    std::printf("(no database copies: %s)\n", no_db.c_str());
  }

  demo.start = Clock::now();
  bool started = true;
  for (Group& g : demo.groups) {
    if (auto set_up = start_group(g, demo.start); !set_up) {
      std::printf("cannot set up cgroup %s: %s\n", g.cgroup.cpu_dir().c_str(),
                  set_up.error().message().c_str());
      started = false;
      break;
    }
  }
  if (started && demo.db) {
    if (auto set_up = demo.db->start(demo.start); !set_up) {
      std::printf("cannot start the database copies: %s\n", set_up.error().message().c_str());
      started = false;
    }
  }
  if (started) {
    std::ofstream yaml(demo.dir + "/augur.yaml");
    TypeRules types = {{demo.web(Policy::kAugur).name, "demo-web"},
                       {demo.batch().name, "demo-batch"}};
    if (demo.db) types.emplace_back(demo.db->augur_name(), "demo-database");
    yaml << daemon_config(demo.dir, "augur-demo-augur-*-" + tag, types);
    yaml.close();
    if (!yaml) {
      std::printf("cannot write %s/augur.yaml\n", demo.dir.c_str());
      started = false;
    }
  }
  if (started) {
    const int log_fd =
        ::open(demo.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      std::printf("cannot open %s: %s\n", demo.log_path.c_str(), std::strerror(errno));
      started = false;
    } else {
      demo.daemon = spawn_augurd(demo.dir, log_fd);
      ::close(log_fd);
      started = demo.daemon > 0;
    }
  }
  if (started) {
    std::printf("augurd pid %d; workload pids", static_cast<int>(demo.daemon));
    for (const Group& g : demo.groups)
      std::printf(" %s %d", g.label.c_str(), static_cast<int>(g.pid));
    if (demo.db) std::printf("%s", demo.db->pids_text().c_str());
    std::printf(
        "\nevery second: host CPU use (all CPUs), the web demand on its schedule, and per copy the "
        "cores\nused / the quota and the share of throttled periods; the database working set, "
        "and per copy its\nmemory use / limit and re-reads from disk; Augur's decisions as its log "
        "records them%s\n",
        demo.view.mode() == LiveView::Mode::kScreen
            ? " (a screen redrawn in place: pipe the output "
              "for\nthe same as lines)"
            : "");
    std::fflush(stdout);
    demo.run();
    demo.view.finish();
  }
  demo.cleanup();
  if (!started || demo.failed) return 1;
  if (demo.stopped) {
    std::printf("stopped: workloads and augurd ended, cgroups removed\n");
    return 130;
  }
  demo.summary();
  if (!kept_log.empty()) std::printf("augurd's whole log: %s\n", kept_log.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace augur::demo
