#include "augur/fingerprint/feature_table.h"

namespace augur::fingerprint {

namespace {

using S = Series;
using St = Statistic;

// Absolute scale floors per series, in the series' unit: about the resolution below which
// a change means nothing for allocation (1 MiB of memory, 1% of a core, one event/s).
constexpr double kCoresFloor = 0.01;
constexpr double kRatioFloor = 0.01;   // IPC, MPKI, burstiness
constexpr double kShareFloor = 0.001;  // 0..1 shares, utilisations, relative growth
constexpr double kRateFloor = 1.0;     // events per second
constexpr double kMemoryFloor = 1024.0 * 1024.0;
constexpr double kIoBytesFloor = 4096.0;
constexpr double kBytesPerOpFloor = 512.0;

// The five statistics for the metrics that carry most of a workload's shape; a level for
// the rest. 8 x 5 + 12 = 52 features.
#define AUGUR_FIVE(series, prefix, floor)                                    \
  FeatureInfo{prefix ".mean", series, St::kMean, floor},                     \
      FeatureInfo{prefix ".std", series, St::kStd, floor},                   \
      FeatureInfo{prefix ".p95", series, St::kP95, floor},                   \
      FeatureInfo{prefix ".trend", series, St::kTrend, floor}, FeatureInfo { \
    prefix ".burstiness", series, St::kBurstiness, kRatioFloor               \
  }

constexpr std::array<FeatureInfo, kFeatureCount> kTable = {{
    AUGUR_FIVE(S::kCpuUsageCores, "cpu_usage_cores", kCoresFloor),
    AUGUR_FIVE(S::kIpc, "ipc", kRatioFloor),
    AUGUR_FIVE(S::kCacheMpki, "cache_mpki", kRatioFloor),
    AUGUR_FIVE(S::kContextSwitches, "context_switches", kRateFloor),
    AUGUR_FIVE(S::kPageFaults, "page_faults", kRateFloor),
    AUGUR_FIVE(S::kDiskBytes, "disk_bytes", kIoBytesFloor),
    AUGUR_FIVE(S::kDiskOps, "disk_ops", kRateFloor),
    AUGUR_FIVE(S::kNetBytes, "net_bytes", kIoBytesFloor),
    {"branch_mpki.mean", S::kBranchMpki, St::kMean, kRatioFloor},
    {"vcpu_util_mean.mean", S::kVcpuUtilMean, St::kMean, kShareFloor},
    {"vcpu_util_max.mean", S::kVcpuUtilMax, St::kMean, kShareFloor},
    {"runqueue_wait_share.mean", S::kRunqueueWaitShare, St::kMean, kShareFloor},
    {"cpu_throttled_share.mean", S::kCpuThrottledShare, St::kMean, kShareFloor},
    {"cpu_pressure_some.mean", S::kCpuPressureSome, St::kMean, kShareFloor},
    {"memory_pressure_some.mean", S::kMemoryPressureSome, St::kMean, kShareFloor},
    {"io_pressure_some.mean", S::kIoPressureSome, St::kMean, kShareFloor},
    {"memory_bytes.mean", S::kMemoryBytes, St::kMean, kMemoryFloor},
    {"memory_bytes.growth", S::kMemoryBytes, St::kGrowth, kShareFloor},
    {"disk_read_share.mean", S::kDiskReadShare, St::kMean, kShareFloor},
    {"disk_bytes_per_op.mean", S::kDiskBytesPerOp, St::kMean, kBytesPerOpFloor},
}};
#undef AUGUR_FIVE

constexpr std::array<std::string_view, kSeriesCount> kSeriesNames = {
    "cpu_usage_cores",
    "ipc",
    "cache_mpki",
    "branch_mpki",
    "context_switches",
    "page_faults",
    "memory_bytes",
    "disk_bytes",
    "disk_ops",
    "disk_read_share",
    "disk_bytes_per_op",
    "net_bytes",
    "vcpu_util_mean",
    "vcpu_util_max",
    "runqueue_wait_share",
    "cpu_throttled_share",
    "cpu_pressure_some",
    "memory_pressure_some",
    "io_pressure_some",
};

}  // namespace

const std::array<FeatureInfo, kFeatureCount>& feature_table() {
  return kTable;
}

std::string_view series_name(Series s) {
  return kSeriesNames[static_cast<std::size_t>(s)];
}

std::optional<std::size_t> feature_index(std::string_view name) {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (kTable[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace augur::fingerprint
