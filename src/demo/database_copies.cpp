#include "database_copies.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

#include "augur/host/open_file.h"
#include "vpa_controller.h"

namespace augur::demo {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::size_t kAugur = 0;
constexpr std::size_t kReactive = 2;

long long bytes_of(double mib) {
  return std::llround(mib * kMiB);
}

// The bytes process `pid` had read from storage (/proc/<pid>/io read_bytes); -1 if gone.
long long storage_read_bytes(pid_t pid) {
  const std::string text = host::read_file("/proc/" + std::to_string(pid) + "/io").value_or("");
  const auto at = text.find("\nread_bytes: ");
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + 13);
}

// "augur 1.20, static 9.80, reactive 4.10" from three figures.
std::string three(const std::array<double, 3>& v, const char* format) {
  std::string out;
  const char* labels[] = {"augur", "static", "reactive"};
  for (std::size_t i = 0; i < 3; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), format, v[i]);
    out += std::string(i == 0 ? "" : ", ") + labels[i] + " " + buf;
  }
  return out;
}

}  // namespace

struct DatabaseCopies::Copy {
  std::string label;  // "augur", "static", "reactive"
  std::string name;   // the cgroup's (and, for Augur's copy, the instance's) name
  MemoryCgroup cgroup;
  pid_t pid = -1;
  long long limit = bytes_of(kStartMiB);
  // As of the last second.
  MemoryUse use;
  long long read_bytes = 0;
  int changes = 0;
};

struct DatabaseCopies::Round {
  int number = 0;  // 1-based; 0: the warm-up
  double t0 = 0;
  std::array<long long, 3> stall_at_start{};
  std::array<long long, 3> read_at_start{};
  std::array<double, 3> stall_s{-1, -1, -1};  // I/O pressure stall; -1: not measured
  std::array<double, 3> reread_mib{};
  std::array<double, 3> limit_mib_sum{};  // one limit a second: the mean is sum / seconds
  int seconds = 0;
  std::array<int, 3> changes{};
  // Seconds into the round of the first second with re-reads (over 1 MiB); -1: never.
  std::array<double, 3> first_reread_s{-1, -1, -1};
  std::optional<Change> augur_first_raise;
  std::string prediction;
};

DatabaseCopies::DatabaseCopies(const Hierarchy& where, const std::string& tag, std::string data_dir,
                               const PhaseSchedule& schedule)
    : data_dir_(std::move(data_dir)) {
  shape_.schedule = &schedule;
  for (const char* label : {"augur", "static", "reactive"}) {
    Copy c;
    c.label = label;
    c.name = "augur-demo-" + c.label + "-db-" + tag;
    c.cgroup = MemoryCgroup(where, c.name);
    copies_.push_back(std::move(c));
  }
  const double host_bytes =
      static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  vpa_ = std::make_unique<VpaController>(Resource::kMemory,
                                         static_cast<double>(bytes_of(kStartMiB)), host_bytes);
}

DatabaseCopies::~DatabaseCopies() {
  stop();
}

Status DatabaseCopies::start(WorkloadClock::time_point start) {
  for (Copy& c : copies_) {
    if (auto s = c.cgroup.create(); !s) return s;
    if (auto s = c.cgroup.set_limit(c.limit); !s) return s;
    c.pid = fork_into(c.cgroup, [&] { run_database(shape_, data_dir_, start); });
    if (c.pid < 0) return errno_error("cannot start the database workload", c.cgroup.memory_dir());
  }
  return {};
}

std::string DatabaseCopies::pids_text() const {
  std::string out;
  for (const Copy& c : copies_) out += " db-" + c.label + " " + std::to_string(c.pid);
  return out;
}

const std::string& DatabaseCopies::augur_name() const {
  return copies_[kAugur].name;
}

std::string DatabaseCopies::on_augur_message(const std::string& message, double t) {
  if (rounds_.empty()) return message;
  Round& r = rounds_.back();
  if (auto c = parse_applied(message, "db", "memory")) {
    c->at_s = t - r.t0;
    ++r.changes[kAugur];
    ++copies_[kAugur].changes;
    if (c->to > c->from && !r.augur_first_raise && r.number > 0) r.augur_first_raise = c;
    const auto open = message.find(" (");
    char buf[96];
    std::snprintf(buf, sizeof(buf), "applied: db memory %.0f -> %.0f MiB", c->from / kMiB,
                  c->to / kMiB);
    return buf + (open == std::string::npos ? std::string() : message.substr(open));
  }
  if (message.rfind("prediction for db", 0) == 0 || message.rfind("no prediction for db", 0) == 0) {
    if (r.prediction.empty()) r.prediction = message;
  }
  return message;
}

std::string DatabaseCopies::each_second(double t, std::string& event) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "db working set %3.0f MiB |", shape_.working_set_mib(t));
  std::string line = buf;
  event.clear();
  Round* r = rounds_.empty() ? nullptr : &rounds_.back();
  for (std::size_t i = 0; i < copies_.size(); ++i) {
    Copy& c = copies_[i];
    const long long read_before = c.read_bytes;
    if (const long long limit = c.cgroup.limit_bytes(); limit > 0) c.limit = limit;
    c.use = c.cgroup.use();
    if (const long long read = storage_read_bytes(c.pid); read >= 0) c.read_bytes = read;
    const double reread = static_cast<double>(c.read_bytes - read_before) / kMiB;
    if (r != nullptr) {
      r->limit_mib_sum[i] += static_cast<double>(c.limit) / kMiB;
      if (r->first_reread_s[i] < 0 && reread > 1 && r->number > 0) {
        r->first_reread_s[i] = t - r->t0;
      }
    }
    std::snprintf(buf, sizeof(buf), " %s %3.0f/%3.0f MiB re-read %5.1f MiB/s |", c.label.c_str(),
                  static_cast<double>(std::max(0LL, c.use.usage_bytes)) / kMiB,
                  static_cast<double>(c.limit) / kMiB, reread);
    line += buf;
    if (i != kReactive) continue;
    // VPA sees the working set, as the kubelet reports it; a page cache workload is never
    // OOM-killed, so its memory pressure (an OOM for VPA) stays 0.
    const double seen = static_cast<double>(c.use.working_set_bytes >= 0 ? c.use.working_set_bytes
                                                                         : c.use.usage_bytes);
    if (seen < 0) continue;
    const double next = std::clamp(vpa_->decide(seen, 0.0, static_cast<double>(c.limit)),
                                   kMinMiB * kMiB, kMaxMiB * kMiB);
    const long long next_bytes = std::llround(next / 4096) * 4096;
    if (std::llabs(next_bytes - c.limit) < 4096) continue;
    if (auto s = c.cgroup.set_limit(next_bytes); !s) {
      std::snprintf(buf, sizeof(buf), "%6.1fs reactive: cannot set the db memory limit: ", t);
      event = buf + s.error().message();
      continue;
    }
    std::snprintf(buf, sizeof(buf),
                  "%6.1fs reactive: db memory %.0f -> %.0f MiB (VPA target, the limit left its "
                  "bounds)",
                  t, static_cast<double>(c.limit) / kMiB, static_cast<double>(next_bytes) / kMiB);
    event = buf;
    c.limit = next_bytes;
    ++c.changes;
    if (r != nullptr) ++r->changes[kReactive];
  }
  if (r != nullptr) ++r->seconds;
  line.resize(line.size() - 2);  // the last " |"
  return line;
}

void DatabaseCopies::open_round(int number, double t0) {
  Round r;
  r.number = number;
  r.t0 = t0;
  for (std::size_t i = 0; i < copies_.size(); ++i) {
    r.stall_at_start[i] = copies_[i].use.io_stall_usec;
    r.read_at_start[i] = copies_[i].read_bytes;
  }
  rounds_.push_back(std::move(r));
}

void DatabaseCopies::close_round() {
  if (rounds_.empty()) return;
  Round& r = rounds_.back();
  for (std::size_t i = 0; i < copies_.size(); ++i) {
    const Copy& c = copies_[i];
    if (c.use.io_stall_usec >= 0 && r.stall_at_start[i] >= 0) {
      r.stall_s[i] = static_cast<double>(c.use.io_stall_usec - r.stall_at_start[i]) / 1e6;
    }
    r.reread_mib[i] = static_cast<double>(c.read_bytes - r.read_at_start[i]) / kMiB;
  }
}

bool DatabaseCopies::alive(std::string& why) {
  for (Copy& c : copies_) {
    int status = 0;
    if (c.pid > 0 && ::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      std::ostringstream out;
      out << "the db-" << c.label << " workload exited ("
          << (WIFEXITED(status) ? "status " : "signal ")
          << (WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)) << ")";
      why = out.str();
      c.pid = -1;
      return false;
    }
  }
  return true;
}

void DatabaseCopies::summary(int learning_rounds) const {
  std::printf(
      "\n== per round: the database copies' memory (working set %.0f MiB between phases, %.0f MiB "
      "at a phase's height; limits from %.0f MiB) ==\n",
      shape_.table_mib, shape_.table_mib + shape_.spill_mib, kStartMiB);
  std::array<double, 3> stall_after{};
  std::array<double, 3> reread_after{};
  std::array<double, 3> limit_after{};
  int seconds_after = 0;
  bool stall_measured = true;
  int counted = 0;
  int ahead = 0;
  for (const Round& r : rounds_) {
    if (r.number == 0 || r.seconds == 0) continue;
    std::array<double, 3> mean_limit{};
    for (std::size_t i = 0; i < 3; ++i) mean_limit[i] = r.limit_mib_sum[i] / r.seconds;
    const bool measured =
        std::none_of(r.stall_s.begin(), r.stall_s.end(), [](double v) { return v < 0; });
    std::printf("round %d: re-read from disk (MiB) %s; I/O stall %s; mean limit (MiB) %s\n",
                r.number, three(r.reread_mib, "%.0f").c_str(),
                measured ? three(r.stall_s, "%.2f s").c_str() : "not measured (no cgroup2)",
                three(mean_limit, "%.0f").c_str());
    std::string raise = "none";
    bool is_ahead = false;
    // The static copy, on the same schedule from the same limit, shows when the working set
    // outgrew the start limit.
    const double outgrown = r.first_reread_s[1];
    if (r.augur_first_raise) {
      const Change& c = *r.augur_first_raise;
      char buf[96];
      std::snprintf(buf, sizeof(buf), "+%.1f s (%s %.0f -> %.0f MiB)", c.at_s, c.reason.c_str(),
                    c.from / kMiB, c.to / kMiB);
      raise = buf;
      is_ahead = c.reason == "prediction" && (outgrown < 0 || c.at_s < outgrown);
    }
    char when[32] = "never";
    if (outgrown >= 0) std::snprintf(when, sizeof(when), "+%.0f s", outgrown);
    const bool learning = r.number <= learning_rounds;
    std::printf("         Augur: first raise %s; the static copy first re-read from disk %s%s%s\n",
                raise.c_str(), when, is_ahead ? ": ahead" : "",
                learning ? " (learning round, not counted)" : "");
    if (!r.prediction.empty()) std::printf("         %s\n", r.prediction.c_str());
    if (learning) continue;
    ++counted;
    ahead += is_ahead ? 1 : 0;
    stall_measured = stall_measured && measured;
    for (std::size_t i = 0; i < 3; ++i) {
      stall_after[i] += r.stall_s[i];
      reread_after[i] += r.reread_mib[i];
      limit_after[i] += r.limit_mib_sum[i];
    }
    seconds_after += r.seconds;
  }
  if (counted > 0) {
    for (double& l : limit_after) l /= seconds_after;
    std::printf(
        "database after learning (%d rounds): re-read from disk (MiB) %s; I/O stall %s; mean "
        "limit (MiB) %s; Augur ahead in %d of %d rounds\n",
        counted, three(reread_after, "%.0f").c_str(),
        stall_measured ? three(stall_after, "%.2f s").c_str() : "not measured",
        three(limit_after, "%.0f").c_str(), ahead, counted);
  }
  std::printf("memory limit changes to the database copies: augur %d, static 0, reactive %d\n",
              copies_[kAugur].changes, copies_[kReactive].changes);
  if (copies_[kReactive].changes > 0) {
    std::printf(
        "(reactive is VPA for memory: its recommendation is never below its pod minimum, 250 MiB, "
        "so it\nlifts the limit to the demo's bound, %.0f MiB, at once, and holds it)\n",
        kMaxMiB);
  }
}

void DatabaseCopies::stop() {
  for (Copy& c : copies_) {
    if (c.pid > 0) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, nullptr, 0);
      c.pid = -1;
    }
    c.cgroup.remove();
  }
}

}  // namespace augur::demo
