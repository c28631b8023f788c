// libpfm4 encoding. perfmon/pfmlib_perf_event.h brings its own perf_event.h: never include
// <linux/perf_event.h> in this unit.
#include "augur/sampling/perf/event.h"

#include <perfmon/pfmlib_perf_event.h>

#include <bitset>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace augur::sampling {
namespace {

// pfm_initialize is not safe to race, and the encoder keeps library state: one lock for both.
std::mutex& pfm_mutex() {
  static std::mutex m;
  return m;
}

int pfm_init_locked() {
  static const int kInitResult = pfm_initialize();
  return kInitResult;
}

// Metric of a generic perf event (PERF_TYPE_HARDWARE / PERF_TYPE_SOFTWARE configs).
std::optional<Metric> generic_metric(std::uint32_t type, std::uint64_t config) {
  if (type == PERF_TYPE_HARDWARE) {
    switch (config) {
      case PERF_COUNT_HW_CPU_CYCLES: return Metric::kCycles;
      case PERF_COUNT_HW_INSTRUCTIONS: return Metric::kInstructions;
      case PERF_COUNT_HW_CACHE_REFERENCES: return Metric::kCacheReferences;
      case PERF_COUNT_HW_CACHE_MISSES: return Metric::kCacheMisses;
      case PERF_COUNT_HW_BRANCH_INSTRUCTIONS: return Metric::kBranchInstructions;
      case PERF_COUNT_HW_BRANCH_MISSES: return Metric::kBranchMisses;
      default: return std::nullopt;
    }
  }
  if (type == PERF_TYPE_SOFTWARE) {
    switch (config) {
      case PERF_COUNT_SW_TASK_CLOCK: return Metric::kTaskClockCores;
      case PERF_COUNT_SW_CONTEXT_SWITCHES: return Metric::kContextSwitches;
      case PERF_COUNT_SW_CPU_MIGRATIONS: return Metric::kCpuMigrations;
      case PERF_COUNT_SW_PAGE_FAULTS: return Metric::kPageFaults;
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<EncodedEvent> encode_event(std::string_view name, std::optional<Metric> metric) {
  const std::string name_str(name);
  if (name_str.empty()) return Error{"empty event name", "pfm_get_os_event_encoding", 0};
  if (metric && !is_perf_metric(*metric)) {
    return Error{"event '" + name_str + "' cannot feed metric " +
                     std::string(metric_name(*metric)) + " (not a counter metric)",
                 "encode_event", 0};
  }
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  pfm_perf_encode_arg_t arg;
  std::memset(&arg, 0, sizeof arg);
  arg.attr = &attr;
  arg.size = sizeof arg;
  char* fstr = nullptr;
  arg.fstr = &fstr;
  int rc = 0;
  {
    std::lock_guard lock(pfm_mutex());
    rc = pfm_init_locked();
    if (rc != PFM_SUCCESS) {
      return Error{std::string("libpfm4 initialisation failed: ") + pfm_strerror(rc),
                   "pfm_initialize", 0};
    }
    // PFM_PLM0 | PFM_PLM3: kernel and user. Software events such as context-switches happen
    // in the kernel and would read 0 with user-only counting.
    rc = pfm_get_os_event_encoding(name_str.c_str(), PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT,
                                   &arg);
  }
  std::string canonical = fstr != nullptr ? fstr : "";
  std::free(fstr);  // NOLINT(cppcoreguidelines-no-malloc): allocated by libpfm4
  if (rc != PFM_SUCCESS) {
    return Error{"unknown event '" + name_str + "': " + pfm_strerror(rc),
                 "pfm_get_os_event_encoding", 0};
  }
  EncodedEvent ev;
  ev.name = name_str;
  ev.canonical = std::move(canonical);
  ev.type = attr.type;
  ev.config = attr.config;
  ev.config1 = attr.config1;
  ev.config2 = attr.config2;
  ev.exclude_user = attr.exclude_user != 0;
  ev.exclude_kernel = attr.exclude_kernel != 0;
  ev.hardware = attr.type != PERF_TYPE_SOFTWARE;
  const auto generic = generic_metric(attr.type, attr.config);
  if (metric) {
    ev.metric = *metric;
  } else if (generic) {
    ev.metric = *generic;
  } else {
    return Error{"event '" + name_str + "' (" + ev.canonical +
                     ") is CPU-specific: say which metric it feeds",
                 "encode_event", 0};
  }
  return ev;
}

Result<std::vector<EncodedEvent>> encode_events(std::span<const std::string> names) {
  std::vector<EncodedEvent> out;
  out.reserve(names.size());
  std::bitset<kPerfMetricCount> seen;
  for (const auto& n : names) {
    auto ev = encode_event(n);
    if (!ev) return ev.error();
    const auto slot = static_cast<std::size_t>(ev->metric);
    if (seen.test(slot)) {
      return Error{"event '" + n + "' feeds metric " + std::string(metric_name(ev->metric)) +
                       " which another event already feeds",
                   "encode_events", 0};
    }
    seen.set(slot);
    out.push_back(std::move(ev).value());
  }
  return out;
}

std::span<const std::string> default_event_names() {
  static const std::array<std::string, 10> kNames = {
      "cycles",        "instructions", "cache-references", "cache-misses",   "branch-instructions",
      "branch-misses", "task-clock",   "context-switches", "cpu-migrations", "page-faults"};
  return kNames;
}

}  // namespace augur::sampling
