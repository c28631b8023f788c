#include "cpu_cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <string_view>
#include <thread>
#include <utility>

#include "augur/actuate/kernel_file.h"
#include "augur/host/open_file.h"
#include "augur/host/pressure.h"

namespace augur::demo {

namespace {

// The value of `key` in a flat-keyed file ("key value" lines: cpu.stat); -1 when absent.
long long keyed_value(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 ||
        line[key.size()] != ' ') {
      continue;
    }
    long long v = -1;
    const std::string_view rest = line.substr(key.size() + 1);
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    return ec == std::errc() ? v : -1;
  }
  return -1;
}

bool has_word(std::string_view text, std::string_view word) {
  std::size_t at = 0;
  while ((at = text.find(word, at)) != std::string_view::npos) {
    const bool starts = at == 0 || text[at - 1] == ' ' || text[at - 1] == '\n';
    const std::size_t end = at + word.size();
    const bool ends = end == text.size() || text[end] == ' ' || text[end] == '\n';
    if (starts && ends) return true;
    at = end;
  }
  return false;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return text;
}

bool make_dir(const std::string& dir, bool& made) {
  if (::mkdir(dir.c_str(), 0755) != 0) return false;
  made = true;
  return true;
}

void remove_dir(const std::string& dir, bool& made) {
  if (!made) return;
  // A killed process leaves its cgroup a moment after waitpid() returns.
  for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  made = false;
}

}  // namespace

std::string CpuHierarchy::describe() const {
  if (unified) return "cgroup2: " + cpu_root;
  return "cpu: " + cpu_root + (unified_root.empty() ? "" : ", cgroup2: " + unified_root);
}

Result<CpuHierarchy> prepare_cpu_hierarchy(const host::CgroupLayout& layout) {
  CpuHierarchy h;
  if (const host::CgroupMount* cpu = layout.v1_for("cpu")) {
    h.cpu_root = cpu->mount_point;
    if (layout.unified) h.unified_root = layout.unified->mount_point;
    if (::access(h.cpu_root.c_str(), W_OK) != 0 ||
        (!h.unified_root.empty() && ::access(h.unified_root.c_str(), W_OK) != 0)) {
      return Error{"needs a writable cgroup v1 cpu controller" +
                       std::string(h.unified_root.empty() ? "" : " and a writable cgroup2 tree"),
                   h.describe()};
    }
    return h;
  }
  if (layout.mode != host::CgroupMode::kUnified || !layout.unified) {
    return Error{"needs the cpu controller, in cgroup v1 or v2; this host's cgroup layout is '" +
                     std::string(host::cgroup_mode_name(layout.mode)) + "'",
                 "/proc/self/mountinfo"};
  }
  h.unified = true;
  h.cpu_root = h.unified_root = layout.unified->mount_point;
  const std::string controllers = h.cpu_root + "/cgroup.controllers";
  const std::string subtree = h.cpu_root + "/cgroup.subtree_control";
  auto available = host::read_file(controllers);
  if (!available) return available.error();
  if (!has_word(*available, "cpu")) {
    return Error{"the cgroup2 tree has no cpu controller to give the demo's groups (it lists '" +
                     std::string(trimmed(*available)) + "')",
                 controllers};
  }
  auto enabled = host::read_file(subtree);
  if (!enabled) return enabled.error();
  if (!has_word(*enabled, "cpu")) {
    if (auto s = actuate::write_kernel_file(subtree, "+cpu"); !s) {
      return Error{"cannot enable the cpu controller for the demo's groups: " + s.error().message(),
                   subtree};
    }
  }
  if (::access(h.cpu_root.c_str(), W_OK) != 0) {
    return Error{"needs a writable cgroup2 tree", h.cpu_root};
  }
  return h;
}

CpuCgroup::CpuCgroup(const CpuHierarchy& where, const std::string& name)
    : unified_(where.unified),
      cpu_dir_(where.cpu_root + "/" + name),
      unified_dir_(where.unified                ? cpu_dir_
                   : where.unified_root.empty() ? std::string()
                                                : where.unified_root + "/" + name) {}

CpuCgroup::CpuCgroup(CpuCgroup&& other) noexcept {
  *this = std::move(other);
}

CpuCgroup& CpuCgroup::operator=(CpuCgroup&& other) noexcept {
  if (this == &other) return *this;
  remove();
  unified_ = other.unified_;
  cpu_dir_ = std::move(other.cpu_dir_);
  unified_dir_ = std::move(other.unified_dir_);
  made_cpu_ = std::exchange(other.made_cpu_, false);
  made_unified_ = std::exchange(other.made_unified_, false);
  return *this;
}

CpuCgroup::~CpuCgroup() {
  remove();
}

Status CpuCgroup::create() {
  if (!make_dir(cpu_dir_, made_cpu_)) return errno_error("cannot create the cgroup", cpu_dir_);
  if (!unified_ && !unified_dir_.empty() && !make_dir(unified_dir_, made_unified_)) {
    return errno_error("cannot create the cgroup", unified_dir_);
  }
  return {};
}

Status CpuCgroup::set_quota(long quota_usec, long period_usec) const {
  if (unified_) {
    return actuate::write_kernel_file(
        cpu_dir_ + "/cpu.max", std::to_string(quota_usec) + " " + std::to_string(period_usec));
  }
  if (auto s =
          actuate::write_kernel_file(cpu_dir_ + "/cpu.cfs_period_us", std::to_string(period_usec));
      !s) {
    return s;
  }
  return actuate::write_kernel_file(cpu_dir_ + "/cpu.cfs_quota_us", std::to_string(quota_usec));
}

long CpuCgroup::quota_usec() const {
  const std::string file = unified_ ? "/cpu.max" : "/cpu.cfs_quota_us";
  auto text = host::read_file(cpu_dir_ + file);
  if (!text) return -1;
  // v1: "20000" or "-1"; v2: "20000 100000" or "max 100000".
  long v = -1;
  const char* begin = text->data();
  const auto [ptr, ec] = std::from_chars(begin, begin + text->size(), v);
  return ec == std::errc() && v > 0 ? v : -1;
}

CpuThrottling CpuCgroup::throttling() const {
  CpuThrottling t;
  const std::string stat = host::read_file(cpu_dir_ + "/cpu.stat").value_or("");
  auto counter = [&stat](std::string_view key) {
    const long long v = keyed_value(stat, key);
    return v < 0 ? 0L : static_cast<long>(v);
  };
  t.periods = counter("nr_periods");
  t.throttled_periods = counter("nr_throttled");
  t.throttled_ns = unified_ ? counter("throttled_usec") * 1000L : counter("throttled_time");
  if (!unified_dir_.empty()) {
    const std::string text = host::read_file(unified_dir_ + "/cpu.pressure").value_or("");
    if (auto p = host::parse_pressure(text)) {
      t.cpu_stall_usec = static_cast<long long>(p->some.total_usec);
    }
  }
  return t;
}

Status CpuCgroup::join(pid_t pid) const {
  const std::string self = std::to_string(pid);
  if (auto s = actuate::write_kernel_file(cpu_dir_ + "/cgroup.procs", self); !s) return s;
  if (!unified_ && !unified_dir_.empty()) {
    return actuate::write_kernel_file(unified_dir_ + "/cgroup.procs", self);
  }
  return {};
}

void CpuCgroup::remove() {
  remove_dir(cpu_dir_, made_cpu_);
  if (!unified_) remove_dir(unified_dir_, made_unified_);
}

}  // namespace augur::demo
