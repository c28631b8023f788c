#include <algorithm>
#include <cmath>
#include <limits>

#include "augur/fingerprint/fingerprint_builder.h"

namespace augur::fingerprint {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double metric_or_nan(const Sample& s, Metric m) {
  return s.has(m) ? s.get(m) : kNaN;
}

// a / b * scale, undefined when an input is missing or b is not positive.
double ratio(const Sample& s, Metric a, Metric b, double scale) {
  if (!s.has(a) || !s.has(b) || s.get(b) <= 0) return kNaN;
  return s.get(a) / s.get(b) * scale;
}

double sum2(const Sample& s, Metric a, Metric b) {
  if (!s.has(a) || !s.has(b)) return kNaN;
  return s.get(a) + s.get(b);
}

}  // namespace

void derive_series(const Sample& s, std::array<double, kSeriesCount>& out) {
  auto at = [&out](Series k) -> double& { return out[static_cast<std::size_t>(k)]; };
  at(Series::kCpuUsageCores) = s.has(Metric::kCpuUsageCores)
                                   ? s.get(Metric::kCpuUsageCores)
                                   : metric_or_nan(s, Metric::kTaskClockCores);
  at(Series::kIpc) = ratio(s, Metric::kInstructions, Metric::kCycles, 1.0);
  at(Series::kCacheMpki) = ratio(s, Metric::kCacheMisses, Metric::kInstructions, 1000.0);
  at(Series::kBranchMpki) = ratio(s, Metric::kBranchMisses, Metric::kInstructions, 1000.0);
  at(Series::kContextSwitches) = metric_or_nan(s, Metric::kContextSwitches);
  at(Series::kPageFaults) = metric_or_nan(s, Metric::kPageFaults);
  // A VM's memory in use is what its guest reports through the balloon (available - unused):
  // the host RSS (balloon.rss) only grows, so a phase that re-uses memory the guest freed
  // would not show in it. Containers and processes have no balloon: their cgroup usage.
  at(Series::kMemoryBytes) = s.has(Metric::kGuestMemoryUsedBytes)
                                 ? s.get(Metric::kGuestMemoryUsedBytes)
                                 : metric_or_nan(s, Metric::kMemoryBytes);
  const double disk_bytes = sum2(s, Metric::kDiskReadBytes, Metric::kDiskWriteBytes);
  const double disk_ops = sum2(s, Metric::kDiskReadOps, Metric::kDiskWriteOps);
  at(Series::kDiskBytes) = disk_bytes;
  at(Series::kDiskOps) = disk_ops;
  // No I/O in a tick: the mix is undefined for that tick, not 0.
  at(Series::kDiskReadShare) = disk_bytes > 0 ? s.get(Metric::kDiskReadBytes) / disk_bytes : kNaN;
  at(Series::kDiskBytesPerOp) =
      disk_ops > 0 && !std::isnan(disk_bytes) ? disk_bytes / disk_ops : kNaN;
  at(Series::kNetBytes) = sum2(s, Metric::kNetRxBytes, Metric::kNetTxBytes);
  if (s.vcpu_utilisation.empty()) {
    at(Series::kVcpuUtilMean) = kNaN;
    at(Series::kVcpuUtilMax) = kNaN;
  } else {
    double sum = 0;
    double max = s.vcpu_utilisation.front();
    for (double u : s.vcpu_utilisation) {
      sum += u;
      max = std::max(max, u);
    }
    at(Series::kVcpuUtilMean) = sum / static_cast<double>(s.vcpu_utilisation.size());
    at(Series::kVcpuUtilMax) = max;
  }
  at(Series::kRunqueueWaitShare) = metric_or_nan(s, Metric::kRunqueueWaitShare);
  at(Series::kCpuThrottledShare) = metric_or_nan(s, Metric::kCpuThrottledShare);
  at(Series::kCpuPressureSome) = metric_or_nan(s, Metric::kCpuPressureSome);
  at(Series::kMemoryPressureSome) = metric_or_nan(s, Metric::kMemoryPressureSome);
  at(Series::kIoPressureSome) = metric_or_nan(s, Metric::kIoPressureSome);
}

}  // namespace augur::fingerprint
