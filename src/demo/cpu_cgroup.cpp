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
#include "augur/host/cgroup_files.h"
#include "augur/host/open_file.h"
#include "augur/host/pressure.h"

namespace augur::demo {

namespace {

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
  if (unified_) {
    auto text = host::read_file(cpu_dir_ + "/cpu.max");
    if (!text) return -1;
    auto max = host::parse_cpu_max(*text);
    return max && max->quota_usec ? static_cast<long>(*max->quota_usec) : -1;
  }
  auto text = host::read_file(cpu_dir_ + "/cpu.cfs_quota_us");
  if (!text) return -1;
  // "20000", or "-1": unlimited.
  long v = -1;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  return ec == std::errc() && v > 0 ? v : -1;
}

CpuThrottling CpuCgroup::throttling() const {
  CpuThrottling t;
  const std::string path = cpu_dir_ + "/cpu.stat";
  const std::string text = host::read_file(path).value_or("");
  if (auto stat = host::parse_flat_keyed(text, path)) {
    auto counter = [&stat](std::string_view key) {
      return static_cast<long>(stat->get(key).value_or(0));
    };
    t.periods = counter("nr_periods");
    t.throttled_periods = counter("nr_throttled");
    t.throttled_ns = unified_ ? counter("throttled_usec") * 1000L : counter("throttled_time");
  }
  if (!unified_dir_.empty()) {
    const std::string pressure = host::read_file(unified_dir_ + "/cpu.pressure").value_or("");
    if (auto p = host::parse_pressure(pressure)) {
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
