#pragma once
// The soak (issue 11, docs/reliability.md#soak): the real augurd over hundreds of real, empty
// cgroup v1 + cgroup2 directories (a few holding a process) that churn every second, while its
// /proc/<pid>/status (VmRSS, RssAnon, Threads), /proc/<pid>/fd and `augurctl status --json` are
// sampled. Shared by the ctest (tests/reliability/soak_test.cpp, a CI-sized run) and the
// benchmark (bench/soak, 30 minutes by default): both call run_soak() and print
// SoakResult::report().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace augur::soak {

// Which cgroups a churn step removes. kOldest: every cgroup lives exactly instances /
// churn_per_second seconds, so the population's ages (and augurd's per-instance state, some of
// which grows with an instance's age up to a window) are stationary after one lifetime.
// kRandom: lifetimes are exponential with that mean, a long tail of old instances included;
// stationary only after several lifetimes.
enum class Removal { kOldest, kRandom };

struct SoakOptions {
  std::string augurd_path;
  std::string augurctl_path;
  int instances = 500;       // cgroups alive at any time
  int with_process = 8;      // of which hold a lightly busy process (perf fds, thread lists)
  int churn_per_second = 5;  // removed and as many created (new names) every second
  Removal removal = Removal::kRandom;
  std::chrono::seconds duration{75};
  std::chrono::milliseconds sampling_interval{1000};  // augurd's sampling.interval
  double warmup_fraction = 1.0 / 3;                   // figures and verdict use what follows
  std::chrono::milliseconds measure_every{2000};
  std::chrono::seconds slow_poll_every{30};  // metrics scrape and baseline count
  std::chrono::seconds progress_every{10};   // a progress line through `progress`
  unsigned seed = 11;
  // Verdict bounds (docs/reliability.md#soak says how they were chosen).
  double rss_slope_bound_kib_per_min = 256;
  // False in sanitizer builds: ASan's quarantine and shadow memory grow RSS by design, so the
  // slope is reported but not judged (ASan's leak check at augurd's exit covers leaks there).
  bool judge_rss = true;
  // fds that belong to neither a soak cgroup nor its process: augurd briefly holds one or two
  // more now and then (/proc/self/fd while the metrics publisher counts its fds, a second
  // handle on /proc/<augurd>/net/dev), which a measurement can catch.
  long own_fd_allowance = 2;
  long thread_allowance = 0;
  // A cgroup removed (or process killed) this long ago must have no fd left in augurd.
  std::chrono::seconds fd_grace{5};
  double min_tick_ratio = 0.9;
  std::function<void(const std::string&)> progress;  // may be empty
  // Set (by a signal handler) to end the churn early; the run is then judged as it stands.
  const std::atomic<bool>* stop = nullptr;
};

struct Measurement {
  double t_s = 0;  // since augurd started
  long rss_kib = -1;
  long rss_anon_kib = -1;
  long threads = -1;
  // /proc/<pid>/fd by target: every fd; files of a soak cgroup; a workload process's (perf
  // events, pidfds, /proc/<its pid>/...); augurd's own (the rest); stale: a file of a cgroup
  // removed, or of a process killed, more than fd_grace ago. The most any one cgroup holds.
  long fds = -1;
  long fds_cgroups = -1;
  long fds_processes = -1;
  long fds_own = -1;
  long fds_stale = -1;
  long fds_per_cgroup_max = -1;
  // From `augurctl status --json`; -1 when the request failed or before the first tick.
  long long ticks = -1;
  long long missed_ticks = -1;
  long long sample_queue_drops = -1;
  long long plan_queue_drops = -1;
  long long stage_errors = -1;
  long instances = -1;
  long long history_patterns = -1;  // the predictor's pattern history (bounded by config)
  long long episodes_started = -1;
  double uptime_s = -1;
  double last_tick_ms = -1;
  double max_tick_ms = -1;
};

struct SlowPoll {
  double t_s = 0;
  long metrics_series = -1;           // sample lines in the /metrics body
  long metrics_instance_series = -1;  // of which carry an instance label
  long instance_baselines = -1;       // `augurctl baselines --json`, scope instance
  long type_baselines = -1;
  long long store_bytes = -1;  // the SQLite store: augur.db + its WAL
};

struct Range {
  double min = 0;
  double max = 0;
  [[nodiscard]] double spread() const { return max - min; }
};

struct SoakResult {
  std::string skip_reason;            // not run: this machine lacks what it needs
  std::vector<std::string> failures;  // empty: passed
  std::vector<Measurement> measurements;
  std::vector<SlowPoll> slow_polls;

  // The run.
  int instances = 0;
  int with_process = 0;
  int churn_per_second = 0;
  Removal removal = Removal::kRandom;
  long long created = 0;  // beyond the first `instances`
  long long removed = 0;
  double seconds = 0;
  double warmup_s = 0;
  double interval_s = 1;
  // Figures after warm-up.
  Range fds;
  Range fds_own;
  Range threads;
  long fds_per_cgroup = 0;      // at the first measurement
  long fds_per_cgroup_max = 0;  // after warm-up
  long fds_per_process = 0;     // at the first measurement
  long fds_stale_max = 0;       // over the whole run
  long fds_total_allowance = 0;
  Range rss_kib;
  Range rss_anon_kib;
  Range instances_seen;
  double rss_slope_kib_per_min = 0;
  double rss_slope_bytes_per_instance_tick = 0;  // the same slope over instances x ticks
  double rss_anon_slope_kib_per_min = 0;
  double rss_residual_kib = 0;  // standard deviation around the fitted line
  double tick_ratio = 0;        // ticks / (elapsed / interval), whole run
  double tick_ratio_after_warmup = 0;
  long long ticks = 0;
  long long missed_ticks = 0;
  long long sample_queue_drops = 0;
  long long plan_queue_drops = 0;
  long long stage_errors = 0;
  double max_tick_ms = 0;
  double mean_tick_ms = 0;  // mean of the last_tick_ms readings after warm-up
  double cpu_s = 0;         // augurd's user + system CPU over the run
  // At the end, churn stopped and settled.
  long final_ids_expected = 0;
  long final_ids_missing = 0;           // expected but not listed by `augurctl instances`
  long final_ids_extra = 0;             // listed but gone
  long final_metrics_extra = 0;         // instance labels of instances that are gone
  long max_instance_baselines = 0;      // held in memory, after warm-up
  double store_growth_kib_per_min = 0;  // slope of store_bytes over the slow polls
  int exit_code = -999;
  double bounds_rss_slope = 0;
  bool rss_judged = true;
  long bounds_own_fds = 0;
  long bounds_threads = 0;
  double bounds_tick_ratio = 0;

  [[nodiscard]] bool passed() const { return skip_reason.empty() && failures.empty(); }
  [[nodiscard]] std::string report() const;
};

// Empty when this machine can run the soak, else why not (root, a writable v1 cpu hierarchy).
std::string skip_reason();

SoakResult run_soak(const SoakOptions& options);

// Least-squares slope of y over x (0 with fewer than two distinct x).
double slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace augur::soak
