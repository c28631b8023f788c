#include "soak_driver.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "../daemon/test_process.h"
#include "../ops/http_client.h"
#include "augur/metrics/listen_address.h"

namespace augur::soak {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using namespace std::chrono_literals;
using augur::testing::Child;
using augur::testing::read_file;
using augur::testing::run_to_exit;
using augur::testing::TempDir;
using augur::testing::write_file;

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
constexpr const char* kParentPrefix = "augur-soak-";

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  const int n = std::vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  return n < 0 ? std::string() : std::string(buf, std::min<std::size_t>(n, sizeof(buf) - 1));
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool writable_directory(const std::string& path) {
  return is_directory(path) && ::access(path.c_str(), W_OK) == 0;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

// The hierarchies a soak cgroup is made in: cgroup2 first (discovery globs there when it is
// mounted, as on a hybrid host), then the v1 controllers the usage reader and the actuators
// read. A combined mount (cpu,cpuacct) is made once.
std::vector<std::string> hierarchies() {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const char* name : {"unified", "cpu", "cpuacct", "memory"}) {
    const std::string path = std::string(kCgroupRoot) + "/" + name;
    if (!writable_directory(path)) continue;
    if (!seen.insert(real_path(path)).second) continue;
    out.push_back(path);
  }
  return out;
}

bool remove_cgroup_dir(const std::string& path) {
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::vector<std::string> subdirectories(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (is_directory(path + "/" + name)) out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// A lightly busy process: about 2 ms of CPU every 50 ms (4 % of a core), until killed.
[[noreturn]] void light_work() {
  for (;;) {
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    timespec now = start;
    while ((now.tv_sec - start.tv_sec) * 1'000'000'000L + (now.tv_nsec - start.tv_nsec) <
           2'000'000L) {
      ::clock_gettime(CLOCK_MONOTONIC, &now);
    }
    const timespec pause{0, 48'000'000L};
    ::nanosleep(&pause, nullptr);
  }
}

// The soak's cgroups: one parent per hierarchy, children created and removed by name.
// Every directory it made is removed at destruction (processes killed first).
class SoakCgroups {
 public:
  SoakCgroups(std::vector<std::string> roots, std::string parent)
      : roots_(std::move(roots)), parent_(std::move(parent)) {
    for (const std::string& root : roots_) {
      const std::string dir = root + "/" + parent_;
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        errors_.push_back(format("mkdir %s: %s", dir.c_str(), std::strerror(errno)));
      }
    }
  }
  ~SoakCgroups() { remove_all(); }
  SoakCgroups(const SoakCgroups&) = delete;
  SoakCgroups& operator=(const SoakCgroups&) = delete;

  // Makes the cgroup in every hierarchy; with_process forks a lightly busy child into it.
  bool create(const std::string& name, bool with_process) {
    for (const std::string& root : roots_) {
      const std::string dir = root + "/" + parent_ + "/" + name;
      if (::mkdir(dir.c_str(), 0755) != 0) {
        errors_.push_back(format("mkdir %s: %s", dir.c_str(), std::strerror(errno)));
        return false;
      }
    }
    pid_t pid = -1;
    if (with_process) {
      const pid_t parent = ::getpid();
      pid = ::fork();
      if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(0);
        light_work();
      }
      if (pid < 0) {
        errors_.push_back(format("fork: %s", std::strerror(errno)));
        pid = -1;
      } else {
        for (const std::string& root : roots_) {
          const std::string procs = root + "/" + parent_ + "/" + name + "/cgroup.procs";
          write_file(procs, std::to_string(pid));
        }
      }
    }
    live_[name] = pid;
    return true;
  }

  void remove(const std::string& name) {
    const auto it = live_.find(name);
    if (it == live_.end()) return;
    if (it->second > 0) {
      ::kill(it->second, SIGKILL);
      ::waitpid(it->second, nullptr, 0);
    }
    for (const std::string& root : roots_) {
      const std::string dir = root + "/" + parent_ + "/" + name;
      if (!remove_cgroup_dir(dir)) {
        errors_.push_back(format("rmdir %s: %s", dir.c_str(), std::strerror(errno)));
      }
    }
    live_.erase(it);
  }

  void remove_all() {
    while (!live_.empty()) remove(live_.begin()->first);
    for (const std::string& root : roots_) {
      const std::string dir = root + "/" + parent_;
      if (!remove_cgroup_dir(dir)) {
        errors_.push_back(format("rmdir %s: %s", dir.c_str(), std::strerror(errno)));
      }
    }
  }

  [[nodiscard]] bool has_process(const std::string& name) const {
    const auto it = live_.find(name);
    return it != live_.end() && it->second > 0;
  }
  [[nodiscard]] pid_t process_of(const std::string& name) const {
    const auto it = live_.find(name);
    return it != live_.end() ? it->second : -1;
  }
  [[nodiscard]] bool live(const std::string& name) const { return live_.count(name) != 0; }
  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> roots_;
  std::string parent_;
  std::map<std::string, pid_t> live_;
  std::vector<std::string> errors_;
};

// Parents left by a soak that was killed (its pid is gone): their empty children and
// themselves are removed. A directory still holding a process stays.
int remove_stale_parents(const std::vector<std::string>& roots) {
  int removed = 0;
  for (const std::string& root : roots) {
    for (const std::string& name : subdirectories(root)) {
      if (!name.starts_with(kParentPrefix)) continue;
      const std::string pid_text = name.substr(std::strlen(kParentPrefix));
      if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
      if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
      const std::string parent = root + "/" + name;
      for (const std::string& child : subdirectories(parent)) {
        ::rmdir((parent + "/" + child).c_str());
      }
      if (::rmdir(parent.c_str()) == 0) ++removed;
    }
  }
  return removed;
}

struct ProcFigures {
  long rss_kib = -1;
  long rss_anon_kib = -1;
  long threads = -1;
};

long status_field(const std::string& text, const std::string& key) {
  const auto at = text.find("\n" + key + ":");
  if (at == std::string::npos) return -1;
  return std::strtol(text.c_str() + at + key.size() + 2, nullptr, 10);
}

ProcFigures proc_figures(pid_t pid) {
  const std::string text = "\n" + read_file("/proc/" + std::to_string(pid) + "/status");
  return ProcFigures{status_field(text, "VmRSS"), status_field(text, "RssAnon"),
                     status_field(text, "Threads")};
}

// The targets of a process's open fds.
std::vector<std::string> fd_targets(pid_t pid) {
  std::vector<std::string> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(::dirfd(d), e->d_name, buf, sizeof(buf));
    // Closed between readdir and readlink: no longer open.
    if (n > 0) out.emplace_back(buf, static_cast<std::size_t>(n));
  }
  ::closedir(d);
  return out;
}

// User + system CPU seconds of a process, from /proc/<pid>/stat.
double cpu_seconds(pid_t pid) {
  const std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(text.substr(close + 2));
  std::string field;
  double utime = 0;
  double stime = 0;
  // Fields after the command: state is field 3; utime 14, stime 15.
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// GET /metrics on the loopback (tests/ops/http_client.h); the body, or nothing.
std::optional<std::string> scrape_metrics(int port) {
  auto to = metrics::parse_listen_address("127.0.0.1:" + std::to_string(port));
  if (!to) return std::nullopt;
  const ops_test::RawAnswer answer =
      ops_test::http_exchange(*to, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 5s);
  if (answer.status != 200) return std::nullopt;
  return answer.body;
}

struct MetricsFigures {
  long series = 0;
  long instance_series = 0;
  std::set<std::string> instances;
};

MetricsFigures metrics_figures(const std::string& body) {
  MetricsFigures out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++out.series;
    const auto at = line.find("instance=\"");
    if (at == std::string::npos) continue;
    ++out.instance_series;
    const auto from = at + 10;
    out.instances.insert(line.substr(from, line.find('"', from) - from));
  }
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

template <typename T, typename F>
Range range_of(const std::vector<T>& items, F value) {
  Range r{INFINITY, -INFINITY};
  for (const T& item : items) {
    const double v = value(item);
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
  }
  if (items.empty()) r = Range{};
  return r;
}

class Run {
 public:
  Run(const SoakOptions& o, SoakResult& r) : o_(o), r_(r) {}

  void run() {
    r_.instances = o_.instances;
    r_.with_process = o_.with_process;
    r_.churn_per_second = o_.churn_per_second;
    r_.removal = o_.removal;
    r_.interval_s = std::chrono::duration<double>(o_.sampling_interval).count();
    r_.bounds_rss_slope = o_.rss_slope_bound_kib_per_min;
    r_.rss_judged = o_.judge_rss;
    r_.bounds_own_fds = o_.own_fd_allowance;
    r_.bounds_threads = o_.thread_allowance;
    r_.bounds_tick_ratio = o_.min_tick_ratio;

    const std::vector<std::string> roots = hierarchies();
    if (const int stale = remove_stale_parents(roots); stale > 0) {
      say(format("removed %d cgroup parent(s) left by an earlier, killed soak", stale));
    }
    parent_ = kParentPrefix + std::to_string(::getpid());
    cgroups_ = std::make_unique<SoakCgroups>(roots, parent_);
    std::string where;
    for (const std::string& root : roots) where += (where.empty() ? "" : ", ") + root;
    say(format("creating %d cgroups (%d with a process) under %s in %s", o_.instances,
               o_.with_process, parent_.c_str(), where.c_str()));
    for (int i = 0; i < o_.instances; ++i) {
      if (!create(i < o_.with_process)) return fail("could not create the cgroups");
    }
    start_daemon();
    if (!wait_until_all_discovered()) return;
    churn_loop();
    settle_and_compare();
    stop_daemon();
    cgroups_->remove_all();
    for (const std::string& e : cgroups_->errors()) fail("cgroup clean-up: " + e);
    summarise();
  }

 private:
  void say(const std::string& line) {
    if (o_.progress) o_.progress(line);
  }
  void fail(const std::string& why) { r_.failures.push_back(why); }

  double since_start() const {
    return std::chrono::duration<double>(Clock::now() - started_).count();
  }

  static std::string kind_of(long serial, bool with_process) {
    if (with_process) return "busy";
    static const char* const kKinds[] = {"web", "db", "batch", "misc"};
    return kKinds[serial % 4];
  }

  bool create(bool with_process) {
    const long serial = next_serial_++;
    const std::string name = format("%s-%06ld", kind_of(serial, with_process).c_str(), serial);
    if (!cgroups_->create(name, with_process)) return false;
    names_.push_back(name);
    if (const pid_t pid = cgroups_->process_of(name); pid > 0) ever_pids_.insert(pid);
    return true;
  }

  std::string config() const {
    const std::string p = parent_;
    return "daemon:\n  runtime_dir: " + dir_.file("run") + "\n  state_dir: " + dir_.file("state") +
           "\n  mode: observe\n"
           "log:\n  level: info\n  target: stderr\n"
           "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
           "  cgroups:\n    enabled: true\n    patterns: [\"" +
           p + "/*\"]\n    type_rules:\n      - {pattern: \"" + p +
           "/web-*\", type: web}\n      - {pattern: \"" + p +
           "/db-*\", type: database}\n"
           "sampling:\n  interval: " +
           std::to_string(o_.sampling_interval.count()) +
           "ms\n"
           // Short windows: every instance that lives a few seconds gets a fingerprint and a
           // baseline, so the per-instance state the soak churns is all of it.
           "fingerprint:\n  window_ticks: 8\n  ring_capacity: 32\n"
           "drift:\n  min_baseline_windows: 10\n"
           "store:\n  backend: sqlite\n"
           "control:\n  group: root\n"
           "metrics:\n  enabled: true\n  address: 127.0.0.1:" +
           std::to_string(port_) + "\n";
  }

  void start_daemon() {
    port_ = ops_test::free_loopback_port();
    write_file(dir_.file("augur.yaml"), config());
    say("augurd --config " + dir_.file("augur.yaml") + " (log: " + dir_.file("augurd.err") + ")");
    started_ = Clock::now();
    daemon_.emplace(std::vector<std::string>{o_.augurd_path, "--config", dir_.file("augur.yaml")},
                    std::vector<std::string>{}, dir_.file("augurd.out"), dir_.file("augurd.err"));
  }

  std::optional<json> ctl(const std::string& verb) {
    const int rc = run_to_exit(
        {o_.augurctl_path, verb, "--json", "--socket", dir_.file("run") + "/augur.sock"},
        dir_.file("ctl.out"), dir_.file("ctl.err"));
    if (rc != 0) return std::nullopt;
    json j = json::parse(read_file(dir_.file("ctl.out")), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
  }

  static long long number(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<long long>() : -1;
  }

  bool wait_until_all_discovered() {
    const auto end = Clock::now() + 60s;
    long seen = -1;
    while (Clock::now() < end) {
      if (!daemon_->running()) {
        fail("augurd exited during start-up:\n" + read_file(dir_.file("augurd.err")));
        return false;
      }
      if (const auto s = ctl("status"); s && (*s)["analyser"].is_object()) {
        seen = static_cast<long>(number((*s)["analyser"], "instances"));
        if (seen == o_.instances) {
          say(format("augurd sees all %d instances %.1f s after start", o_.instances,
                     since_start()));
          return true;
        }
      }
      std::this_thread::sleep_for(250ms);
    }
    fail(format("augurd saw %ld of %d instances 60 s after start", seen, o_.instances));
    return false;
  }

  void churn_once() {
    for (int i = 0; i < o_.churn_per_second && !names_.empty(); ++i) {
      std::size_t at = 0;  // the oldest
      if (o_.removal == Removal::kRandom) {
        at = std::uniform_int_distribution<std::size_t>(0, names_.size() - 1)(rng_);
      }
      const std::string name = names_[at];
      names_.erase(names_.begin() + static_cast<std::ptrdiff_t>(at));
      const pid_t process = cgroups_->process_of(name);
      cgroups_->remove(name);
      const auto now = Clock::now();
      removed_at_[name] = now;
      if (process > 0) killed_at_[process] = now;
      const bool had_process = process > 0;
      ++r_.removed;
      if (!create(had_process)) {
        fail("could not create a cgroup during churn");
        return;
      }
      ++r_.created;
    }
  }

  // Sorts augurd's fds by what they belong to (see Measurement).
  void classify_fds(pid_t daemon, Measurement& m) {
    const auto now = Clock::now();
    const auto recent = [&](const auto& map, const auto& key) {
      const auto it = map.find(key);
      return it != map.end() && now - it->second <= o_.fd_grace;
    };
    const std::vector<std::string> targets = fd_targets(daemon);
    const std::string marker = "/" + parent_ + "/";
    std::map<std::string, long> per_cgroup;
    std::multiset<std::string> own;
    m.fds = static_cast<long>(targets.size());
    m.fds_cgroups = m.fds_processes = m.fds_own = m.fds_stale = 0;
    for (const std::string& t : targets) {
      if (const auto at = t.find(marker); at != std::string::npos) {
        const auto from = at + marker.size();
        const std::string name = t.substr(from, t.find('/', from) - from);
        if (cgroups_->live(name)) {
          ++per_cgroup[name];
          ++m.fds_cgroups;
        } else if (recent(removed_at_, name)) {
          ++m.fds_cgroups;
        } else {
          ++m.fds_stale;
        }
        continue;
      }
      if (t == "anon_inode:[perf_event]" || t == "anon_inode:[pidfd]") {
        ++m.fds_processes;
        continue;
      }
      if (t.starts_with("/proc/")) {
        const auto pid = static_cast<pid_t>(std::strtol(t.c_str() + 6, nullptr, 10));
        if (pid > 0 && ever_pids_.count(pid) != 0) {
          const bool alive = killed_at_.count(pid) == 0;
          ++(alive || recent(killed_at_, pid) ? m.fds_processes : m.fds_stale);
          continue;
        }
      }
      ++m.fds_own;
      own.insert(t);
    }
    if (own != own_targets_ && !own_targets_.empty()) {
      std::string added;
      std::string gone;
      for (const std::string& t : own) added += own_targets_.count(t) < own.count(t) ? " " + t : "";
      for (const std::string& t : own_targets_) {
        gone += own.count(t) < own_targets_.count(t) ? " " + t : "";
      }
      say(format("t=%.0fs augurd's own fds: %ld, opened:%s; closed:%s", since_start(), m.fds_own,
                 added.empty() ? " -" : added.c_str(), gone.empty() ? " -" : gone.c_str()));
    }
    own_targets_ = std::move(own);
    m.fds_per_cgroup_max = 0;
    for (const auto& [name, n] : per_cgroup) {
      m.fds_per_cgroup_max = std::max(m.fds_per_cgroup_max, n);
    }
    std::erase_if(removed_at_, [&](const auto& e) { return now - e.second > 2 * o_.fd_grace; });
  }

  void measure() {
    Measurement m;
    m.t_s = since_start();
    const pid_t pid = daemon_->pid();
    // /proc first: an augurctl connection being closed must not count as an fd.
    const ProcFigures p = proc_figures(pid);
    m.rss_kib = p.rss_kib;
    m.rss_anon_kib = p.rss_anon_kib;
    m.threads = p.threads;
    classify_fds(pid, m);
    if (const auto s = ctl("status")) {
      m.ticks = number(*s, "ticks");
      m.missed_ticks = number(*s, "missed_ticks");
      m.sample_queue_drops = number(*s, "sample_queue_drops");
      m.plan_queue_drops = number(*s, "plan_queue_drops");
      m.stage_errors = number(*s, "stage_errors");
      m.uptime_s = s->value("uptime_s", -1.0);
      m.last_tick_ms = s->value("last_tick_ms", -1.0);
      m.max_tick_ms = s->value("max_tick_ms", -1.0);
      if ((*s)["analyser"].is_object()) {
        m.instances = static_cast<long>(number((*s)["analyser"], "instances"));
        m.history_patterns = number((*s)["analyser"], "history_patterns");
        m.episodes_started = number((*s)["analyser"], "episodes_started");
      }
    }
    r_.measurements.push_back(m);
  }

  void slow_poll() {
    SlowPoll s;
    s.t_s = since_start();
    if (const auto body = scrape_metrics(port_)) {
      const MetricsFigures f = metrics_figures(*body);
      s.metrics_series = f.series;
      s.metrics_instance_series = f.instance_series;
    }
    if (const auto b = ctl("baselines"); b && (*b)["baselines"].is_array()) {
      s.instance_baselines = 0;
      s.type_baselines = 0;
      for (const json& e : (*b)["baselines"]) {
        ++(e.value("scope", std::string()) == "instance" ? s.instance_baselines : s.type_baselines);
      }
    }
    s.store_bytes = 0;
    for (const char* f : {"augur.db", "augur.db-wal"}) {
      struct stat st {};
      if (::stat((dir_.file("state") + "/" + f).c_str(), &st) == 0) s.store_bytes += st.st_size;
    }
    r_.slow_polls.push_back(s);
  }

  void progress_line() {
    if (r_.measurements.empty()) return;
    const Measurement& m = r_.measurements.back();
    std::string line = format(
        "t=%5.0fs instances=%ld ticks=%lld missed=%lld drops=%lld/%lld rss=%ldKiB anon=%ldKiB "
        "threads=%ld fds=%ld(own %ld, stale %ld) tick=%.1fms churned=%lld patterns=%lld "
        "episodes=%lld",
        m.t_s, m.instances, m.ticks, m.missed_ticks, m.sample_queue_drops, m.plan_queue_drops,
        m.rss_kib, m.rss_anon_kib, m.threads, m.fds, m.fds_own, m.fds_stale, m.last_tick_ms,
        r_.removed, m.history_patterns, m.episodes_started);
    if (!r_.slow_polls.empty()) {
      const SlowPoll& s = r_.slow_polls.back();
      line += format(" series=%ld baselines=%ld+%ld store=%lldKiB", s.metrics_series,
                     s.instance_baselines, s.type_baselines, s.store_bytes / 1024);
    }
    say(line);
  }

  void churn_loop() {
    const auto end = started_ + o_.duration;
    auto next = Clock::now() + 1s;
    auto next_measure = Clock::now();
    auto next_slow = Clock::now();
    auto next_progress = Clock::now() + o_.progress_every;
    measure();
    slow_poll();
    while (next <= end && !(o_.stop != nullptr && o_.stop->load())) {
      std::this_thread::sleep_until(next);
      next += 1s;
      churn_once();
      if (!daemon_->running()) {
        fail(format("augurd exited %.0f s into the soak:\n", since_start()) +
             read_file(dir_.file("augurd.err")));
        return;
      }
      const auto now = Clock::now();
      if (now >= next_measure) {
        measure();
        while (next_measure <= now) next_measure += o_.measure_every;
      }
      if (now >= next_slow) {
        slow_poll();
        while (next_slow <= now) next_slow += o_.slow_poll_every;
      }
      if (now >= next_progress) {
        progress_line();
        while (next_progress <= now) next_progress += o_.progress_every;
      }
    }
    r_.seconds = since_start();
    r_.cpu_s = cpu_seconds(daemon_->pid());
  }

  // Churn stops; after a few discovery rounds augurd must list exactly the cgroups that
  // exist, and the metrics endpoint must carry no series of a vanished one.
  void settle_and_compare() {
    if (!daemon_ || !daemon_->running()) return;
    std::this_thread::sleep_for(4s);
    std::set<std::string> expected(names_.begin(), names_.end());
    r_.final_ids_expected = static_cast<long>(expected.size());
    const auto listed = ctl("instances");
    if (!listed || !(*listed)["instances"].is_array()) {
      fail("augurctl instances failed at the end");
    } else {
      std::set<std::string> seen;
      for (const json& i : (*listed)["instances"]) {
        const std::string id = i.value("id", std::string());
        seen.insert(id.substr(id.rfind('/') + 1));
      }
      for (const std::string& n : expected) r_.final_ids_missing += seen.count(n) == 0 ? 1 : 0;
      for (const std::string& n : seen) r_.final_ids_extra += expected.count(n) == 0 ? 1 : 0;
    }
    if (const auto body = scrape_metrics(port_)) {
      for (const std::string& n : metrics_figures(*body).instances) {
        r_.final_metrics_extra += expected.count(n) == 0 ? 1 : 0;
      }
    } else {
      fail("the metrics endpoint did not answer at the end");
    }
  }

  void stop_daemon() {
    if (!daemon_) return;
    if (daemon_->running()) daemon_->signal(SIGTERM);
    r_.exit_code = daemon_->wait_exit(60s).value_or(-999);
  }

  void summarise() {
    r_.warmup_s = r_.seconds * o_.warmup_fraction;
    std::vector<Measurement> after;
    for (const Measurement& m : r_.measurements) {
      if (m.t_s >= r_.warmup_s) after.push_back(m);
    }
    if (after.size() < 3) {
      fail(format("only %zu measurements after warm-up", after.size()));
      return;
    }
    std::vector<Measurement> with_status;
    for (const Measurement& m : after) {
      if (m.ticks >= 0 && m.instances >= 0) with_status.push_back(m);
    }
    if (with_status.size() + 2 < after.size()) {
      fail(format("augurctl status failed %zu times after warm-up",
                  after.size() - with_status.size()));
    }
    if (with_status.size() < 2) return fail("too few status readings");
    r_.fds = range_of(after, [](const Measurement& m) { return m.fds; });
    r_.fds_own = range_of(after, [](const Measurement& m) { return m.fds_own; });
    r_.fds_per_cgroup_max = static_cast<long>(
        range_of(after, [](const Measurement& m) { return m.fds_per_cgroup_max; }).max);
    for (const Measurement& m : r_.measurements) {
      r_.fds_stale_max = std::max(r_.fds_stale_max, m.fds_stale);
    }
    {
      const Measurement& m = r_.measurements.front();
      r_.fds_per_cgroup = m.fds_per_cgroup_max;
      r_.fds_per_process = o_.with_process > 0 ? m.fds_processes / o_.with_process : 0;
      // In transit: augurd learns of a churn step at its next discovery (every second), so
      // up to two steps' cgroups (and one process) may be closed but not yet reopened.
      r_.fds_total_allowance = o_.own_fd_allowance + 2L * o_.churn_per_second * r_.fds_per_cgroup +
                               2L * r_.fds_per_process;
    }
    r_.threads = range_of(after, [](const Measurement& m) { return m.threads; });
    r_.rss_kib = range_of(after, [](const Measurement& m) { return m.rss_kib; });
    r_.rss_anon_kib = range_of(after, [](const Measurement& m) { return m.rss_anon_kib; });
    r_.instances_seen = range_of(with_status, [](const Measurement& m) { return m.instances; });
    std::vector<double> t_min;
    std::vector<double> rss;
    std::vector<double> anon;
    std::vector<double> tick_ms;
    for (const Measurement& m : after) {
      t_min.push_back(m.t_s / 60);
      rss.push_back(static_cast<double>(m.rss_kib));
      anon.push_back(static_cast<double>(m.rss_anon_kib));
    }
    for (const Measurement& m : with_status) tick_ms.push_back(m.last_tick_ms);
    r_.rss_slope_kib_per_min = slope(t_min, rss);
    r_.rss_anon_slope_kib_per_min = slope(t_min, anon);
    r_.rss_slope_bytes_per_instance_tick =
        r_.rss_slope_kib_per_min * 1024 / (o_.instances * 60 / r_.interval_s);
    {
      const double mt = mean(t_min);
      const double mr = mean(rss);
      double ss = 0;
      for (std::size_t i = 0; i < rss.size(); ++i) {
        const double fit = mr + r_.rss_slope_kib_per_min * (t_min[i] - mt);
        ss += (rss[i] - fit) * (rss[i] - fit);
      }
      r_.rss_residual_kib = std::sqrt(ss / static_cast<double>(rss.size()));
    }
    r_.mean_tick_ms = mean(tick_ms);
    {
      std::vector<double> t;
      std::vector<double> bytes;
      for (const SlowPoll& p : r_.slow_polls) {
        if (p.t_s >= r_.warmup_s && p.instance_baselines >= 0) {
          r_.max_instance_baselines = std::max(r_.max_instance_baselines, p.instance_baselines);
        }
        t.push_back(p.t_s / 60);
        bytes.push_back(static_cast<double>(p.store_bytes) / 1024);
      }
      r_.store_growth_kib_per_min = slope(t, bytes);
    }
    const Measurement& first = with_status.front();
    const Measurement& last = with_status.back();
    r_.ticks = last.ticks;
    r_.missed_ticks = last.missed_ticks;
    r_.sample_queue_drops = last.sample_queue_drops;
    r_.plan_queue_drops = last.plan_queue_drops;
    r_.stage_errors = last.stage_errors;
    r_.max_tick_ms = last.max_tick_ms;
    r_.tick_ratio =
        last.uptime_s > 0 ? static_cast<double>(last.ticks) / (last.uptime_s / r_.interval_s) : 0;
    const double span = last.uptime_s - first.uptime_s;
    r_.tick_ratio_after_warmup =
        span > 0 ? static_cast<double>(last.ticks - first.ticks) / (span / r_.interval_s) : 0;

    // The verdict.
    if (r_.fds_own.spread() > static_cast<double>(o_.own_fd_allowance)) {
      fail(format("augurd's own fds not flat after warm-up: %.0f..%.0f (allowance %ld)",
                  r_.fds_own.min, r_.fds_own.max, o_.own_fd_allowance));
    }
    if (r_.fds_stale_max != 0) {
      fail(format("up to %ld fds of cgroups or processes gone for more than %lld s",
                  r_.fds_stale_max, static_cast<long long>(o_.fd_grace.count())));
    }
    if (r_.fds_per_cgroup_max > r_.fds_per_cgroup) {
      fail(format("a cgroup held %ld fds after warm-up, %ld each at start", r_.fds_per_cgroup_max,
                  r_.fds_per_cgroup));
    }
    if (r_.fds.spread() > static_cast<double>(r_.fds_total_allowance)) {
      fail(format("open fds not flat after warm-up: %.0f..%.0f (allowance %ld)", r_.fds.min,
                  r_.fds.max, r_.fds_total_allowance));
    }
    if (r_.threads.spread() > static_cast<double>(o_.thread_allowance)) {
      fail(format("threads not flat after warm-up: %.0f..%.0f (allowance %ld)", r_.threads.min,
                  r_.threads.max, o_.thread_allowance));
    }
    if (o_.judge_rss && r_.rss_slope_kib_per_min > o_.rss_slope_bound_kib_per_min) {
      fail(format("RSS grows after warm-up: %+.1f KiB/min (bound %.0f)", r_.rss_slope_kib_per_min,
                  o_.rss_slope_bound_kib_per_min));
    }
    if (r_.tick_ratio < o_.min_tick_ratio || r_.tick_ratio_after_warmup < o_.min_tick_ratio) {
      fail(
          format("augurd did not keep its tick: %.3f of the schedule (%.3f after warm-up), "
                 "bound %.2f",
                 r_.tick_ratio, r_.tick_ratio_after_warmup, o_.min_tick_ratio));
    }
    // A cgroup leaves augurd's count at the discovery after its removal, and joins it at its
    // second tick after its creation (rates need two readings): up to two churn steps short.
    if (r_.instances_seen.min < o_.instances - 2 * o_.churn_per_second ||
        r_.instances_seen.max > o_.instances) {
      fail(format("augurd's instance count left %d..%d: %.0f..%.0f",
                  o_.instances - 2 * o_.churn_per_second, o_.instances, r_.instances_seen.min,
                  r_.instances_seen.max));
    }
    if (r_.final_ids_missing != 0 || r_.final_ids_extra != 0) {
      fail(format("after churn stopped augurd listed %ld of %ld cgroups and %ld that are gone",
                  r_.final_ids_expected - r_.final_ids_missing, r_.final_ids_expected,
                  r_.final_ids_extra));
    }
    if (r_.final_metrics_extra != 0) {
      fail(format("/metrics still carries %ld vanished instance(s)", r_.final_metrics_extra));
    }
    // Baselines of vanished instances leave memory (they go to the store): what is held
    // follows the live count, give or take a churn step or two.
    if (r_.max_instance_baselines > o_.instances + 2 * o_.churn_per_second) {
      fail(format("augurd held %ld instance baselines after warm-up for %d live cgroups",
                  r_.max_instance_baselines, o_.instances));
    }
    if (r_.stage_errors != 0) fail(format("%lld stage errors", r_.stage_errors));
    if (r_.exit_code != 0) {
      fail(format("augurd exited %d on SIGTERM (want 0)", r_.exit_code));
    }
  }

  const SoakOptions& o_;
  SoakResult& r_;
  TempDir dir_;
  std::string parent_;
  std::unique_ptr<SoakCgroups> cgroups_;
  std::deque<std::string> names_;  // oldest first
  std::map<std::string, Clock::time_point> removed_at_;
  std::map<pid_t, Clock::time_point> killed_at_;
  std::set<pid_t> ever_pids_;
  std::multiset<std::string> own_targets_;
  long next_serial_ = 0;
  std::mt19937 rng_{o_.seed};
  int port_ = -1;
  Clock::time_point started_;
  std::optional<Child> daemon_;
};

}  // namespace

double slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double mx = mean(x);
  const double my = mean(y);
  double sxy = 0;
  double sxx = 0;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : 0;
}

std::string skip_reason() {
  if (::geteuid() != 0) return "the soak creates cgroups: run as root";
  const std::string cpu = std::string(kCgroupRoot) + "/cpu";
  if (!writable_directory(cpu)) return "no writable cgroup v1 cpu controller at " + cpu;
  const std::string unified = std::string(kCgroupRoot) + "/unified";
  if (is_directory(unified) && !writable_directory(unified)) {
    return "the cgroup2 tree at " + unified + " (where discovery looks) is not writable";
  }
  return "";
}

SoakResult run_soak(const SoakOptions& options) {
  SoakResult result;
  result.skip_reason = skip_reason();
  if (!result.skip_reason.empty()) return result;
  try {
    Run run(options, result);
    run.run();
  } catch (const std::exception& e) {
    result.failures.push_back(std::string("the soak driver threw: ") + e.what());
  }
  return result;
}

std::string SoakResult::report() const {
  if (!skip_reason.empty()) return "soak skipped: " + skip_reason + "\n";
  std::string out;
  out += format(
      "soak: %d cgroups (%d with a process), churn %d/s (%s): %lld removed and %lld "
      "created over %.0f s; figures after a %.0f s warm-up\n",
      instances, with_process, churn_per_second,
      removal == Removal::kOldest ? "oldest first" : "at random", removed, created, seconds,
      warmup_s);
  out += format(
      "  ticks: %lld (%lld missed), %.3f of the %.0f ms schedule (%.3f after warm-up, "
      "bound %.2f); tick %.1f ms mean, %.1f ms max\n",
      ticks, missed_ticks, tick_ratio, interval_s * 1000, tick_ratio_after_warmup,
      bounds_tick_ratio, mean_tick_ms, max_tick_ms);
  out += format(
      "  instances seen by augurd: %.0f..%.0f; at the end %ld of %ld listed, %ld gone "
      "still listed, %ld gone still in /metrics\n",
      instances_seen.min, instances_seen.max, final_ids_expected - final_ids_missing,
      final_ids_expected, final_ids_extra, final_metrics_extra);
  out += format(
      "  open fds: %.0f..%.0f (allowance %ld: two churn steps in transit); augurd's "
      "own %.0f..%.0f (allowance %ld); %ld per cgroup (at most %ld after warm-up), %ld "
      "per process; stale at most %ld\n",
      fds.min, fds.max, fds_total_allowance, fds_own.min, fds_own.max, bounds_own_fds,
      fds_per_cgroup, fds_per_cgroup_max, fds_per_process, fds_stale_max);
  out +=
      format("  threads: %.0f..%.0f (allowance %ld)\n", threads.min, threads.max, bounds_threads);
  const std::string rss_bound =
      rss_judged ? format("bound %.0f", bounds_rss_slope) : "not judged: sanitizer build";
  out += format(
      "  VmRSS: %.0f..%.0f KiB, slope %+.1f KiB/min (%s; %+.1f bytes per instance "
      "per tick), residual %.0f KiB; RssAnon: %.0f..%.0f KiB, slope %+.1f KiB/min\n",
      rss_kib.min, rss_kib.max, rss_slope_kib_per_min, rss_bound.c_str(),
      rss_slope_bytes_per_instance_tick, rss_residual_kib, rss_anon_kib.min, rss_anon_kib.max,
      rss_anon_slope_kib_per_min);
  out += format(
      "  queue drops: samples %lld, plans %lld; stage errors %lld; augurd CPU %.1f s "
      "(%.1f%% of a core); exit %d\n",
      sample_queue_drops, plan_queue_drops, stage_errors, cpu_s,
      seconds > 0 ? 100 * cpu_s / seconds : 0, exit_code);
  if (!slow_polls.empty()) {
    const SlowPoll& first = slow_polls.front();
    const SlowPoll& last = slow_polls.back();
    out += format(
        "  /metrics series: %ld at start, %ld at the last scrape (%ld with an instance "
        "label); baselines held: %ld instance (at most %ld after warm-up) + %ld type at "
        "the last poll (t=%.0f s); store %.1f MiB, growing %.0f KiB/min\n",
        first.metrics_series, last.metrics_series, last.metrics_instance_series,
        last.instance_baselines, max_instance_baselines, last.type_baselines, last.t_s,
        static_cast<double>(last.store_bytes) / (1024 * 1024), store_growth_kib_per_min);
  }
  if (failures.empty()) {
    out += "verdict: PASS\n";
  } else {
    out += "verdict: FAIL\n";
    for (const std::string& f : failures) out += "  - " + f + "\n";
  }
  return out;
}

}  // namespace augur::soak
