#include "augur/sampling/usage/rates.h"

#include <algorithm>

namespace augur::sampling {

namespace {

constexpr const char* kCounterReset = "counter reset";
constexpr const char* kNoPrevious = "no previous reading";
constexpr const char* kZeroElapsed = "elapsed time is zero";

// The increase of a cumulative counter, or the reason there is none this tick.
struct Delta {
  std::uint64_t value = 0;
  const std::string* reason = nullptr;  // set when missing
  std::string fixed_reason;
};

Delta delta(const Field<std::uint64_t>& prev, const Field<std::uint64_t>& cur) {
  Delta d;
  if (!cur.has()) {
    d.reason = &cur.missing_reason;
  } else if (!prev.has()) {
    d.fixed_reason = kNoPrevious;
  } else if (*cur.value < *prev.value) {
    // Reset (cgroup re-created, counter wrapped): a negative or huge rate would poison the
    // fingerprint, so this tick has no value.
    d.fixed_reason = kCounterReset;
  } else {
    d.value = *cur.value - *prev.value;
  }
  return d;
}

bool missing(const Delta& d) {
  return d.reason != nullptr || !d.fixed_reason.empty();
}
std::string reason_of(const Delta& d) {
  return d.reason ? *d.reason : d.fixed_reason;
}

class Deriver {
 public:
  Deriver(Nanos elapsed, Sample& out)
      : elapsed_ns_(static_cast<double>(elapsed.count())), out_(out) {}

  // (cur - prev) * scale / elapsed_ns, e.g. scale 1 for ns/ns, 1e9 for count per second.
  void rate(Metric m, const Field<std::uint64_t>& prev, const Field<std::uint64_t>& cur,
            double scale, bool clamp_to_one = false) {
    const Delta d = delta(prev, cur);
    if (missing(d)) return out_.mark_missing(m, reason_of(d));
    if (elapsed_ns_ <= 0) return out_.mark_missing(m, kZeroElapsed);
    double v = static_cast<double>(d.value) * scale / elapsed_ns_;
    if (clamp_to_one) v = std::clamp(v, 0.0, 1.0);
    out_.set(m, v);
  }

  void gauge(Metric m, const Field<std::uint64_t>& cur) {
    if (cur.has())
      out_.set(m, static_cast<double>(*cur.value));
    else
      out_.mark_missing(m, cur.missing_reason);
  }

  // nr_throttled / nr_periods over the tick; no period elapsed means nothing was throttled.
  void periods_share(const UsageRaw& prev, const UsageRaw& cur) {
    const Metric m = Metric::kCpuThrottledPeriodsShare;
    const Delta periods = delta(prev.cpu_periods, cur.cpu_periods);
    const Delta throttled = delta(prev.cpu_throttled_periods, cur.cpu_throttled_periods);
    if (missing(periods)) return out_.mark_missing(m, reason_of(periods));
    if (missing(throttled)) return out_.mark_missing(m, reason_of(throttled));
    if (periods.value == 0) return out_.set(m, 0.0);
    out_.set(m, std::min(1.0, static_cast<double>(throttled.value) /
                                  static_cast<double>(periods.value)));
  }

  // Run-queue wait summed over threads present in both readings; a thread whose counter went
  // backwards (tid reused) is left out.
  void runqueue(const UsageRaw& prev, const UsageRaw& cur) {
    const Metric m = Metric::kRunqueueWaitShare;
    if (!cur.threads.has()) return out_.mark_missing(m, cur.threads.missing_reason);
    if (!prev.threads.has()) return out_.mark_missing(m, kNoPrevious);
    if (elapsed_ns_ <= 0) return out_.mark_missing(m, kZeroElapsed);
    const auto& p = *prev.threads.value;
    std::uint64_t wait = 0;
    bool any = false;
    for (const auto& t : *cur.threads.value) {
      const auto it = std::lower_bound(p.begin(), p.end(), t.tid,
                                       [](const ThreadSched& a, pid_t tid) { return a.tid < tid; });
      if (it == p.end() || it->tid != t.tid || t.wait_ns < it->wait_ns) continue;
      wait += t.wait_ns - it->wait_ns;
      any = true;
    }
    if (!any) return out_.mark_missing(m, "no thread present in both readings");
    out_.set(m, static_cast<double>(wait) / elapsed_ns_);
  }

 private:
  double elapsed_ns_;
  Sample& out_;
};

}  // namespace

void derive_usage_rates(const UsageRaw& prev, const UsageRaw& cur, Nanos elapsed, Sample& out) {
  using M = Metric;
  constexpr double kPerSecond = 1e9;  // count / ns -> count / s
  constexpr double kUsecToNs = 1e3;   // PSI totals are µs
  Deriver d(elapsed, out);

  d.rate(M::kCpuUsageCores, prev.cpu_usage_ns, cur.cpu_usage_ns, 1.0);
  d.rate(M::kCpuThrottledShare, prev.cpu_throttled_ns, cur.cpu_throttled_ns, 1.0);
  d.periods_share(prev, cur);
  d.runqueue(prev, cur);
  d.rate(M::kCpuPressureSome, prev.cpu_pressure.some_usec, cur.cpu_pressure.some_usec, kUsecToNs,
         /*clamp_to_one=*/true);
  d.rate(M::kCpuPressureFull, prev.cpu_pressure.full_usec, cur.cpu_pressure.full_usec, kUsecToNs,
         /*clamp_to_one=*/true);

  d.gauge(M::kMemoryBytes, cur.memory_bytes);
  d.gauge(M::kMemoryAnonBytes, cur.memory_anon_bytes);
  d.gauge(M::kMemoryFileBytes, cur.memory_file_bytes);
  d.rate(M::kMemoryPressureSome, prev.memory_pressure.some_usec, cur.memory_pressure.some_usec,
         kUsecToNs, /*clamp_to_one=*/true);
  d.rate(M::kMemoryPressureFull, prev.memory_pressure.full_usec, cur.memory_pressure.full_usec,
         kUsecToNs, /*clamp_to_one=*/true);
  d.rate(M::kMajorFaults, prev.major_faults, cur.major_faults, kPerSecond);

  d.rate(M::kDiskReadBytes, prev.disk_read_bytes, cur.disk_read_bytes, kPerSecond);
  d.rate(M::kDiskWriteBytes, prev.disk_write_bytes, cur.disk_write_bytes, kPerSecond);
  d.rate(M::kDiskReadOps, prev.disk_read_ops, cur.disk_read_ops, kPerSecond);
  d.rate(M::kDiskWriteOps, prev.disk_write_ops, cur.disk_write_ops, kPerSecond);
  d.rate(M::kIoPressureSome, prev.io_pressure.some_usec, cur.io_pressure.some_usec, kUsecToNs,
         /*clamp_to_one=*/true);
  d.rate(M::kIoPressureFull, prev.io_pressure.full_usec, cur.io_pressure.full_usec, kUsecToNs,
         /*clamp_to_one=*/true);

  d.rate(M::kNetRxBytes, prev.net_rx_bytes, cur.net_rx_bytes, kPerSecond);
  d.rate(M::kNetTxBytes, prev.net_tx_bytes, cur.net_tx_bytes, kPerSecond);
  d.rate(M::kNetRxPackets, prev.net_rx_packets, cur.net_rx_packets, kPerSecond);
  d.rate(M::kNetTxPackets, prev.net_tx_packets, cur.net_tx_packets, kPerSecond);

  out.allocation = cur.allocation();
}

std::vector<double> derive_thread_utilisation(const UsageRaw& prev, const UsageRaw& cur,
                                              Nanos elapsed, const std::vector<pid_t>& tids) {
  std::vector<double> out(tids.size(), kUnknown);
  if (!prev.threads.has() || !cur.threads.has() || elapsed.count() <= 0) return out;
  auto find = [](const std::vector<ThreadSched>& v, pid_t tid) -> const ThreadSched* {
    const auto it = std::lower_bound(v.begin(), v.end(), tid,
                                     [](const ThreadSched& a, pid_t t) { return a.tid < t; });
    return it != v.end() && it->tid == tid ? &*it : nullptr;
  };
  for (std::size_t i = 0; i < tids.size(); ++i) {
    const ThreadSched* p = find(*prev.threads.value, tids[i]);
    const ThreadSched* c = find(*cur.threads.value, tids[i]);
    if (p == nullptr || c == nullptr || c->run_ns < p->run_ns) continue;
    // A thread runs on one CPU at a time; clamp the read skew.
    out[i] = std::clamp(
        static_cast<double>(c->run_ns - p->run_ns) / static_cast<double>(elapsed.count()), 0.0,
        1.0);
  }
  return out;
}

}  // namespace augur::sampling
