#pragma once
// The fingerprint's feature table: one named, versioned list of features, used by every
// consumer (builder, baselines, storage, metrics, explain). A feature is a statistic of a
// per-tick series over the window; a series is a metric of the Sample or a value derived
// from several (IPC, misses per kilo-instruction, I/O mix, per-vCPU aggregates).
//
// Bump kFeatureTableVersion whenever a feature is added, removed, reordered or its
// definition changes: stored baselines carry the version they were learned under and are
// not comparable across versions (deserialize() rejects them; they are relearned).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace augur::fingerprint {

inline constexpr std::uint32_t kFeatureTableVersion = 1;

// Per-tick series the builder keeps one ring buffer for. Derived series are undefined
// (missing for that tick) when an input is missing or a denominator is zero.
enum class Series : std::size_t {
  kCpuUsageCores,      // cpu_usage_cores, else task_clock_cores
  kIpc,                // instructions / cycles
  kCacheMpki,          // cache misses per 1000 instructions
  kBranchMpki,         // branch misses per 1000 instructions
  kContextSwitches,    // per second
  kPageFaults,         // per second
  kMemoryBytes,        // memory in use
  kDiskBytes,          // read + write bytes per second
  kDiskOps,            // read + write operations per second
  kDiskReadShare,      // read bytes / (read + write bytes): the read/write mix, 0..1
  kDiskBytesPerOp,     // (read + write bytes) / (read + write ops)
  kNetBytes,           // rx + tx bytes per second
  kVcpuUtilMean,       // mean over vCPU threads of their utilisation, 0..1
  kVcpuUtilMax,        // max over vCPU threads
  kRunqueueWaitShare,  // run-queue wait / elapsed
  kCpuThrottledShare,
  kCpuPressureSome,
  kMemoryPressureSome,
  kIoPressureSome,
  kCount_,
};
inline constexpr std::size_t kSeriesCount = static_cast<std::size_t>(Series::kCount_);

// Statistics over the window's ticks where the series is present.
enum class Statistic : std::uint8_t {
  kMean,        // level
  kStd,         // variability: sample standard deviation (see fingerprint_builder.h)
  kP95,         // tail: 95th percentile, linear interpolation between order statistics
  kTrend,       // least-squares slope per tick x (ticks - 1): the fitted change over the window
  kBurstiness,  // max / mean (masked when mean <= 0)
  kGrowth,      // trend / mean: relative change over the window (memory growth)
};

struct FeatureInfo {
  std::string_view name;  // "<series>.<statistic>", stable: used in storage and JSON
  Series series;
  Statistic statistic;
  // Absolute floor on the baseline scale, in the feature's unit, so a flat feature (a
  // pressure share that is always 0) cannot turn a tiny change into a huge z-score.
  double min_scale;
};

inline constexpr std::size_t kFeatureCount = 52;

const std::array<FeatureInfo, kFeatureCount>& feature_table();
std::string_view series_name(Series s);
std::optional<std::size_t> feature_index(std::string_view name);

}  // namespace augur::fingerprint
