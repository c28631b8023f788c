#include "augur/engine/instance_input.h"

#include "augur/predict/need.h"

namespace augur::engine {

namespace {

double metric_or(const Sample& s, Metric m, double fallback) {
  return s.has(m) ? s.get(m) : fallback;
}

// a + b, known when either is.
double sum_known(const Sample& s, Metric a, Metric b) {
  if (!s.has(a) && !s.has(b)) return kUnknown;
  return metric_or(s, a, 0) + metric_or(s, b, 0);
}

}  // namespace

ResourceVector usage_from_sample(const Sample& s) {
  ResourceVector u;
  u[Resource::kCpu] =
      metric_or(s, Metric::kCpuUsageCores, metric_or(s, Metric::kTaskClockCores, kUnknown));
  // As the need (predict/need.h): a VM's guest-used bytes first.
  u[Resource::kMemory] =
      metric_or(s, Metric::kGuestMemoryUsedBytes, metric_or(s, Metric::kMemoryBytes, kUnknown));
  u[Resource::kDisk] = sum_known(s, Metric::kDiskReadBytes, Metric::kDiskWriteBytes);
  u[Resource::kNetwork] = sum_known(s, Metric::kNetRxBytes, Metric::kNetTxBytes);
  return u;
}

plan::InstanceInput instance_input(const Sample& s) {
  plan::InstanceInput in;
  in.instance_id = s.instance_id;
  in.allocation = s.allocation;
  in.need = predict::need_from_sample(s).resources;
  in.usage = usage_from_sample(s);
  in.memory_pressure = metric_or(s, Metric::kMemoryPressureSome, 0) > kMemoryPressureFloor;
  in.runqueue_wait_share = metric_or(s, Metric::kRunqueueWaitShare, kUnknown);
  in.cpu_pressure_some = metric_or(s, Metric::kCpuPressureSome, kUnknown);
  in.own_work_cores = in.usage[Resource::kCpu];
  in.cpu_throttled_share = metric_or(s, Metric::kCpuThrottledShare, kUnknown);
  return in;
}

}  // namespace augur::engine
