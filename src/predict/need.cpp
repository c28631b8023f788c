#include "augur/predict/need.h"

#include <algorithm>
#include <cmath>

namespace augur::predict {

namespace {

// A present, finite, non-negative metric value, else `fallback`.
double metric_or(const Sample& s, Metric m, double fallback) {
  if (!s.has(m)) return fallback;
  const double v = s.get(m);
  return std::isfinite(v) && v >= 0 ? v : fallback;
}

// Sum of the present ones; NaN when neither is present.
double sum_present(const Sample& s, Metric a, Metric b) {
  const double x = metric_or(s, a, kUnknown);
  const double y = metric_or(s, b, kUnknown);
  if (std::isnan(x) && std::isnan(y)) return kUnknown;
  return (std::isnan(x) ? 0 : x) + (std::isnan(y) ? 0 : y);
}

// Pressure shares are 0..1 by definition; clamp against rounding in the reader.
double share(const Sample& s, Metric m) {
  return std::clamp(metric_or(s, m, 0), 0.0, 1.0);
}

double cpu_need(const Sample& s) {
  const double usage = metric_or(s, Metric::kCpuUsageCores, kUnknown);
  if (std::isnan(usage)) return kUnknown;
  const double cap = s.allocation[Resource::kCpu];
  const double throttled =
      std::isfinite(cap) && cap > 0 ? share(s, Metric::kCpuThrottledShare) * cap : 0;
  const double waiting = metric_or(s, Metric::kRunqueueWaitShare, 0);
  const double stalled = share(s, Metric::kCpuPressureSome) * 1.0;  // at least one core
  return usage + std::max({throttled, waiting, stalled});
}

double memory_need(const Sample& s) {
  double bytes = metric_or(s, Metric::kGuestMemoryUsedBytes, kUnknown);
  if (std::isnan(bytes)) bytes = metric_or(s, Metric::kMemoryBytes, kUnknown);
  if (std::isnan(bytes)) return kUnknown;
  return bytes * (1 + share(s, Metric::kMemoryPressureSome));
}

double disk_need(const Sample& s) {
  const double bytes = sum_present(s, Metric::kDiskReadBytes, Metric::kDiskWriteBytes);
  if (std::isnan(bytes)) return kUnknown;
  return bytes * (1 + share(s, Metric::kIoPressureSome));
}

}  // namespace

Need need_from_sample(const Sample& sample) {
  Need need;
  need.resources[Resource::kCpu] = cpu_need(sample);
  need.resources[Resource::kMemory] = memory_need(sample);
  need.resources[Resource::kDisk] = disk_need(sample);
  need.resources[Resource::kNetwork] =
      sum_present(sample, Metric::kNetRxBytes, Metric::kNetTxBytes);
  need.disk_ops_per_s = sum_present(sample, Metric::kDiskReadOps, Metric::kDiskWriteOps);
  return need;
}

}  // namespace augur::predict
