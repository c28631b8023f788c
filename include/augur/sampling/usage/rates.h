#pragma once
// Pure derivation of per-instance rates from two raw readings (below's model layer).
#include <sys/types.h>

#include <vector>

#include "augur/core/sample.h"
#include "augur/sampling/usage/usage_raw.h"
#include "augur/util/clock.h"

namespace augur::sampling {

// Fills `out`'s usage metrics (CPU usage and throttling, run-queue wait, pressure shares,
// memory, major faults, disk, network) and `out.allocation` from `cur`. Cumulative counters
// give (cur - prev) / elapsed; a counter that went backwards (reset, wrap, re-created cgroup)
// is missing with reason "counter reset" for this tick; a field missing in `cur` stays
// missing with its reason; one missing only in `prev` is "no previous reading"; elapsed <= 0
// makes every rate missing (gauges stay). Pressure shares are clamped to 0..1 (read skew).
// kCpuThrottledShare is throttled time / elapsed: the kernel sums throttled time per CPU
// run queue, so it may exceed 1 on a multi-CPU cgroup. Does not touch perf metrics, id or time.
void derive_usage_rates(const UsageRaw& prev, const UsageRaw& cur, Nanos elapsed, Sample& out);

// Per-thread CPU utilisation (schedstat run time / elapsed, 0..1) for `tids` in that order,
// e.g. a VM's vCPU threads for Sample::vcpu_utilisation. NaN for a thread missing from
// either reading, whose counter went backwards, or when elapsed <= 0.
std::vector<double> derive_thread_utilisation(const UsageRaw& prev, const UsageRaw& cur,
                                              Nanos elapsed, const std::vector<pid_t>& tids);

}  // namespace augur::sampling
