#include "augur/core/metric.h"

#include "augur/core/resource.h"

namespace augur {

namespace {
using M = Metric;
constexpr std::array<MetricInfo, kMetricCount> kTable = {{
    {M::kCycles, "cycles", "1/s", true},
    {M::kInstructions, "instructions", "1/s", true},
    {M::kCacheReferences, "cache_references", "1/s", true},
    {M::kCacheMisses, "cache_misses", "1/s", true},
    {M::kBranchInstructions, "branch_instructions", "1/s", true},
    {M::kBranchMisses, "branch_misses", "1/s", true},
    {M::kTaskClockCores, "task_clock_cores", "cores", false},
    {M::kContextSwitches, "context_switches", "1/s", false},
    {M::kCpuMigrations, "cpu_migrations", "1/s", false},
    {M::kPageFaults, "page_faults", "1/s", false},
    {M::kCpuUsageCores, "cpu_usage_cores", "cores", false},
    {M::kCpuThrottledShare, "cpu_throttled_share", "ratio", false},
    {M::kCpuThrottledPeriodsShare, "cpu_throttled_periods_share", "ratio", false},
    {M::kRunqueueWaitShare, "runqueue_wait_share", "ratio", false},
    {M::kCpuPressureSome, "cpu_pressure_some", "ratio", false},
    {M::kCpuPressureFull, "cpu_pressure_full", "ratio", false},
    {M::kMemoryBytes, "memory_bytes", "bytes", false},
    {M::kMemoryAnonBytes, "memory_anon_bytes", "bytes", false},
    {M::kMemoryFileBytes, "memory_file_bytes", "bytes", false},
    {M::kMemoryPressureSome, "memory_pressure_some", "ratio", false},
    {M::kMemoryPressureFull, "memory_pressure_full", "ratio", false},
    {M::kMajorFaults, "major_faults", "1/s", false},
    {M::kGuestMemoryUsedBytes, "guest_memory_used_bytes", "bytes", false},
    {M::kDiskReadBytes, "disk_read_bytes", "bytes/s", false},
    {M::kDiskWriteBytes, "disk_write_bytes", "bytes/s", false},
    {M::kDiskReadOps, "disk_read_ops", "1/s", false},
    {M::kDiskWriteOps, "disk_write_ops", "1/s", false},
    {M::kIoPressureSome, "io_pressure_some", "ratio", false},
    {M::kIoPressureFull, "io_pressure_full", "ratio", false},
    {M::kNetRxBytes, "net_rx_bytes", "bytes/s", false},
    {M::kNetTxBytes, "net_tx_bytes", "bytes/s", false},
    {M::kNetRxPackets, "net_rx_packets", "1/s", false},
    {M::kNetTxPackets, "net_tx_packets", "1/s", false},
}};

constexpr bool table_in_enum_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].metric) != i) return false;
  }
  return true;
}
static_assert(table_in_enum_order(), "metric table must list metrics in enum order");
}  // namespace

const std::array<MetricInfo, kMetricCount>& metric_table() {
  return kTable;
}

std::string_view metric_name(Metric m) {
  return kTable[static_cast<std::size_t>(m)].name;
}

std::optional<Metric> metric_from_name(std::string_view name) {
  for (const auto& info : kTable) {
    if (info.name == name) return info.metric;
  }
  return std::nullopt;
}

std::string_view resource_name(Resource r) {
  switch (r) {
    case Resource::kCpu: return "cpu";
    case Resource::kMemory: return "memory";
    case Resource::kDisk: return "disk";
    case Resource::kNetwork: return "network";
  }
  return "unknown";
}

}  // namespace augur
