#pragma once
// The metrics a Sample carries: one fixed, named table shared by sampling, fingerprint,
// replay, storage and augurctl. Append only; the fingerprint's feature table is built on
// it and versioned separately.
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace augur {

enum class Metric : std::size_t {
  // perf counters, summed over an instance's threads, per second of wall time
  kCycles,
  kInstructions,
  kCacheReferences,
  kCacheMisses,
  kBranchInstructions,
  kBranchMisses,
  kTaskClockCores,   // task-clock ns per ns elapsed: cores busy
  kContextSwitches,  // per second
  kCpuMigrations,    // per second
  kPageFaults,       // per second
  // CPU from cgroups / libvirt / schedstat
  kCpuUsageCores,             // CPU time per second of wall time
  kCpuThrottledShare,         // throttled time / elapsed; summed per CPU run queue, may exceed 1
  kCpuThrottledPeriodsShare,  // nr_throttled / nr_periods over the tick, 0..1
  kRunqueueWaitShare,         // run-queue wait / elapsed, summed over threads (schedstat)
  kCpuPressureSome,           // PSI some: stalled time / elapsed, 0..1
  kCpuPressureFull,
  // memory
  kMemoryBytes,  // memory in use (memory.current, usage_in_bytes, or guest used)
  kMemoryAnonBytes,
  kMemoryFileBytes,
  kMemoryPressureSome,
  kMemoryPressureFull,
  kMajorFaults,           // per second (memory.stat pgmajfault)
  kGuestMemoryUsedBytes,  // balloon stats: available - unused (VMs)
  // disk
  kDiskReadBytes,  // per second
  kDiskWriteBytes,
  kDiskReadOps,
  kDiskWriteOps,
  kIoPressureSome,
  kIoPressureFull,
  // network
  kNetRxBytes,  // per second
  kNetTxBytes,
  kNetRxPackets,
  kNetTxPackets,
  kCount_,  // not a metric: the number of metrics
};
inline constexpr std::size_t kMetricCount = static_cast<std::size_t>(Metric::kCount_);

struct MetricInfo {
  Metric metric;
  std::string_view name;  // snake_case name used in JSON, CSV traces and config
  std::string_view unit;
  bool hardware;  // needs a hardware PMU
};

// The table, in enum order.
const std::array<MetricInfo, kMetricCount>& metric_table();
std::string_view metric_name(Metric m);
std::optional<Metric> metric_from_name(std::string_view name);

}  // namespace augur
