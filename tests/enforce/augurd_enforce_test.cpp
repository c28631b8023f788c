// The real daemon on a real cgroup v1 CPU controller: a CPU burner under a low quota is
// throttled; in enforce mode augurd raises the quota in bounded steps until throttling
// falls; in observe mode it writes nothing, records the would-be change and scores it.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "../daemon/test_process.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCpuRoot = "/sys/fs/cgroup/cpu";
constexpr const char* kUnifiedRoot = "/sys/fs/cgroup/unified";

bool writable_dir(const std::string& path) {
  return ::access(path.c_str(), W_OK) == 0;
}

long read_long(const std::string& path) {
  const std::string text = read_file(path);
  return text.empty() ? -1 : std::stol(text);
}

long stat_field(const std::string& path, const std::string& key) {
  const std::string text = read_file(path);
  const auto at = text.find(key + " ");
  return at == std::string::npos ? -1 : std::stol(text.substr(at + key.size() + 1));
}

// A test cgroup of the same name in the v1 cpu hierarchy (the limits) and in cgroup2 (where
// discovery globs on a hybrid host), holding one busy process.
class BurnerCgroup {
 public:
  explicit BurnerCgroup(std::string name)
      : name_(std::move(name)),
        cpu_(std::string(kCpuRoot) + "/" + name_),
        unified_(std::string(kUnifiedRoot) + "/" + name_) {
    ::mkdir(cpu_.c_str(), 0755);
    ::mkdir(unified_.c_str(), 0755);
    write_file(cpu_ + "/cpu.cfs_period_us", "100000");
    write_file(cpu_ + "/cpu.cfs_quota_us", "20000");  // 0.2 cores
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const std::string self = std::to_string(::getpid());
      write_file(cpu_ + "/cgroup.procs", self);
      write_file(unified_ + "/cgroup.procs", self);
      volatile unsigned long spin = 0;
      for (;;) spin = spin + 1;
    }
  }
  ~BurnerCgroup() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int i = 0; i < 50 && (::rmdir(cpu_.c_str()) != 0 && errno == EBUSY); ++i) {
      std::this_thread::sleep_for(20ms);
    }
    ::rmdir(unified_.c_str());
  }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] long quota_usec() const { return read_long(cpu_ + "/cpu.cfs_quota_us"); }
  [[nodiscard]] long throttled_ns() const {
    return stat_field(cpu_ + "/cpu.stat", "throttled_time");
  }

 private:
  std::string name_;
  std::string cpu_;
  std::string unified_;
  pid_t pid_ = -1;
};

std::string skip_reason() {
  if (!writable_dir(kCpuRoot)) return "no writable cgroup v1 cpu controller at /sys/fs/cgroup/cpu";
  if (!writable_dir(kUnifiedRoot)) return "no writable cgroup2 tree at /sys/fs/cgroup/unified";
  return "";
}

std::string config(const TempDir& dir, const std::string& mode, const std::string& cgroup,
                   bool restore_on_shutdown = false) {
  return "daemon:\n  runtime_dir: " + dir.file("run") + "\n  state_dir: " + dir.file("state") +
         "\n  mode: " + mode +
         "\n  restore_on_shutdown: " + (restore_on_shutdown ? "true" : "false") +
         "\nlog:\n  target: stderr\n"
         "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
         "  cgroups:\n    enabled: true\n    patterns: [\"" +
         cgroup +
         "\"]\n"
         "sampling:\n  interval: 250ms\n"
         "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
         "predict:\n  horizon: 10s\n"
         "plan:\n  cpu: {min: 0.1, max: 1.2, max_step_fraction: 0.5, cooldown: 1s}\n"
         "control:\n  group: root\nmetrics:\n  enabled: false\n";
}

TEST(AugurdEnforce, RaisesAThrottledQuotaInBoundedStepsUntilThrottlingFalls) {
  if (const std::string why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir;
  BurnerCgroup cg("augur-enforce-" + std::to_string(::getpid()));
  write_file(dir.file("augur.yaml"), config(dir, "enforce", cg.name()));
  Child daemon({AUGURD_PATH, "--config", dir.file("augur.yaml")}, {}, dir.file("out"),
               dir.file("err"));

  std::set<long> quotas{cg.quota_usec()};
  double throttled_share = 1.0;
  long last_throttled = cg.throttled_ns();
  for (int i = 0; i < 60 && throttled_share > 0.02; ++i) {
    std::this_thread::sleep_for(500ms);
    const long q = cg.quota_usec();
    quotas.insert(q);
    EXPECT_LE(q, 120000) << "above the configured max of 1.2 cores";
    EXPECT_GE(q, 10000) << "below the configured min of 0.1 cores";
    const long t = cg.throttled_ns();
    throttled_share = static_cast<double>(t - last_throttled) / 500e6;
    last_throttled = t;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), std::optional<int>(0));
  const std::string log = read_file(dir.file("err"));
  EXPECT_LT(throttled_share, 0.02) << "still throttled; quotas seen: " << quotas.size() << "\n"
                                   << log;
  EXPECT_GE(quotas.size(), 3u) << "raised in several bounded steps, not at once";
  // Each step at most 1.5x the previous (max_step_fraction 0.5).
  long prev = 0;
  for (long q : quotas) {
    if (prev > 0) {
      EXPECT_LE(q, prev * 3 / 2 + 100) << "a step larger than max_step_fraction";
    }
    prev = q;
  }
  EXPECT_NE(log.find("OUTCOME=applied"), std::string::npos);
  EXPECT_NE(log.find("BACKEND=cgroup-v1"), std::string::npos);
  EXPECT_NE(log.find("READ_BACK="), std::string::npos);
}

// With daemon.restore_on_shutdown (here turned on by a reload, as an operator taking Augur
// off a host would), a clean stop writes back the quota augurd found.
TEST(AugurdEnforce, RestoresTheOriginalQuotaOnACleanStop) {
  if (const std::string why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir;
  BurnerCgroup cg("augur-restore-" + std::to_string(::getpid()));
  const long original = cg.quota_usec();
  write_file(dir.file("augur.yaml"), config(dir, "enforce", cg.name(), false));
  Child daemon({AUGURD_PATH, "--config", dir.file("augur.yaml")}, {}, dir.file("out"),
               dir.file("err"));
  for (int i = 0; i < 60 && cg.quota_usec() == original; ++i) std::this_thread::sleep_for(250ms);
  ASSERT_GT(cg.quota_usec(), original) << "augurd never raised the quota\n"
                                       << read_file(dir.file("err"));
  write_file(dir.file("augur.yaml"), config(dir, "enforce", cg.name(), true));
  daemon.signal(SIGHUP);
  for (int i = 0; i < 40; ++i) {
    if (read_file(dir.file("err")).find("configuration reloaded") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), std::optional<int>(0));
  EXPECT_EQ(cg.quota_usec(), original);
  const std::string log = read_file(dir.file("err"));
  EXPECT_NE(log.find("configuration reloaded"), std::string::npos) << log;
  EXPECT_NE(log.find("REASON=restore"), std::string::npos) << log;
}

TEST(AugurdEnforce, ObserveModeWritesNothingAndScoresTheWouldBeChange) {
  if (const std::string why = skip_reason(); !why.empty()) GTEST_SKIP() << why;
  TempDir dir;
  BurnerCgroup cg("augur-observe-" + std::to_string(::getpid()));
  write_file(dir.file("augur.yaml"), config(dir, "observe", cg.name()));
  Child daemon({AUGURD_PATH, "--config", dir.file("augur.yaml")}, {}, dir.file("out"),
               dir.file("err"));
  // The burner wants a whole core at 0.2: the would-be increase is a true positive as soon
  // as the next observation shows need above the old allocation.
  nlohmann::json score;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(cg.quota_usec(), 20000) << "observe mode wrote the quota";
    const int rc = run_to_exit(
        {AUGURCTL_PATH, "status", "--json", "--socket", dir.file("run") + "/augur.sock"},
        dir.file("ctl.out"), dir.file("ctl.err"));
    if (rc != 0) continue;
    const auto status = nlohmann::json::parse(read_file(dir.file("ctl.out")), nullptr, false);
    if (status.is_discarded() || !status["analyser"].is_object()) continue;
    score = status["analyser"]["self_score"];
    if (score["true_positives"].get<int>() >= 1) break;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(10s), std::optional<int>(0));
  EXPECT_EQ(cg.quota_usec(), 20000);
  const std::string log = read_file(dir.file("err"));
  EXPECT_NE(log.find("would-apply: augur-observe"), std::string::npos) << log;
  ASSERT_TRUE(score.is_object()) << log;
  EXPECT_GE(score["increases"].get<int>(), 1);
  EXPECT_GE(score["true_positives"].get<int>(), 1) << score.dump();
}

}  // namespace
}  // namespace augur::testing
