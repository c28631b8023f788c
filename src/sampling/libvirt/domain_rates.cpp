#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "augur/sampling/libvirt/domain_stats.h"

namespace augur::sampling {
namespace {

constexpr double kBytesPerKib = 1024.0;

enum class Delta { kOk, kMissing, kReset };

Delta delta(const std::optional<std::uint64_t>& prev, const std::optional<std::uint64_t>& cur,
            double& out) {
  if (!prev || !cur) return Delta::kMissing;
  if (*cur < *prev) return Delta::kReset;
  out = static_cast<double>(*cur - *prev);
  return Delta::kOk;
}

// Sums one counter over devices matched by name; any reset or absence makes it missing.
template <class Dev, class Field>
void device_rate(const std::vector<Dev>& prev, const std::vector<Dev>& cur, Field field,
                 double seconds, Metric metric, const char* what, Sample& out) {
  if (cur.empty()) {
    out.mark_missing(metric, std::string("libvirt reports no ") + what);
    return;
  }
  double sum = 0;
  for (const Dev& c : cur) {
    const Dev* p = nullptr;
    for (const Dev& candidate : prev) {
      if (candidate.name == c.name) p = &candidate;
    }
    if (p == nullptr) {
      out.mark_missing(metric, std::string(what) + " " + c.name + " new this tick");
      return;
    }
    double d = 0;
    switch (delta(p->*field, c.*field, d)) {
      case Delta::kOk: sum += d; break;
      case Delta::kMissing:
        out.mark_missing(metric, std::string(what) + " " + c.name + " counter not reported");
        return;
      case Delta::kReset:
        out.mark_missing(metric, std::string(what) + " " + c.name + " counter went backwards");
        return;
    }
  }
  out.set(metric, sum / seconds);
}

}  // namespace

void derive_domain_rates(const DomainStatsRaw& prev, const DomainStatsRaw& cur, Nanos elapsed,
                         Sample& out) {
  out.elapsed = elapsed;
  const double elapsed_ns = static_cast<double>(elapsed.count());
  if (elapsed_ns <= 0) {
    for (Metric m :
         {Metric::kCpuUsageCores, Metric::kRunqueueWaitShare, Metric::kDiskReadBytes,
          Metric::kDiskWriteBytes, Metric::kDiskReadOps, Metric::kDiskWriteOps, Metric::kNetRxBytes,
          Metric::kNetTxBytes, Metric::kNetRxPackets, Metric::kNetTxPackets}) {
      out.mark_missing(m, "no time elapsed between libvirt readings");
    }
  } else {
    const double seconds = elapsed_ns / 1e9;
    double d = 0;
    switch (delta(prev.cpu_time_ns, cur.cpu_time_ns, d)) {
      case Delta::kOk: out.set(Metric::kCpuUsageCores, d / elapsed_ns); break;
      case Delta::kMissing:
        out.mark_missing(Metric::kCpuUsageCores, "cpu.time not reported");
        break;
      case Delta::kReset:
        out.mark_missing(Metric::kCpuUsageCores, "cpu.time went backwards (domain restarted)");
        break;
    }

    out.vcpu_utilisation.assign(cur.vcpus.size(), std::numeric_limits<double>::quiet_NaN());
    double wait_sum = 0;
    bool wait_ok = !cur.vcpus.empty();
    for (std::size_t i = 0; i < cur.vcpus.size(); ++i) {
      if (i >= prev.vcpus.size()) {
        wait_ok = false;
        continue;
      }
      const VcpuStats& p = prev.vcpus[i];
      const VcpuStats& c = cur.vcpus[i];
      if (delta(p.time_ns, c.time_ns, d) == Delta::kOk) out.vcpu_utilisation[i] = d / elapsed_ns;
      // delay is the scheduler's run-queue wait (schedstat); older libvirt only has wait.
      const bool has_delay = p.delay_ns && c.delay_ns;
      if (delta(has_delay ? p.delay_ns : p.wait_ns, has_delay ? c.delay_ns : c.wait_ns, d) ==
          Delta::kOk) {
        wait_sum += d;
      } else {
        wait_ok = false;
      }
    }
    if (wait_ok) {
      out.set(Metric::kRunqueueWaitShare, wait_sum / elapsed_ns);
    } else {
      out.mark_missing(Metric::kRunqueueWaitShare, "vcpu wait/delay not comparable this tick");
    }

    device_rate(prev.blocks, cur.blocks, &BlockStats::rd_bytes, seconds, Metric::kDiskReadBytes,
                "disk", out);
    device_rate(prev.blocks, cur.blocks, &BlockStats::wr_bytes, seconds, Metric::kDiskWriteBytes,
                "disk", out);
    device_rate(prev.blocks, cur.blocks, &BlockStats::rd_reqs, seconds, Metric::kDiskReadOps,
                "disk", out);
    device_rate(prev.blocks, cur.blocks, &BlockStats::wr_reqs, seconds, Metric::kDiskWriteOps,
                "disk", out);
    device_rate(prev.nets, cur.nets, &NetStats::rx_bytes, seconds, Metric::kNetRxBytes, "interface",
                out);
    device_rate(prev.nets, cur.nets, &NetStats::tx_bytes, seconds, Metric::kNetTxBytes, "interface",
                out);
    device_rate(prev.nets, cur.nets, &NetStats::rx_pkts, seconds, Metric::kNetRxPackets,
                "interface", out);
    device_rate(prev.nets, cur.nets, &NetStats::tx_pkts, seconds, Metric::kNetTxPackets,
                "interface", out);
  }

  // Gauges: the current reading alone.
  // The memory allocation in force is the balloon's current size (what the libvirt backend
  // sets), read every tick: discovery's copy lags by up to a discovery interval, and a
  // stale value below the bounds would have the planner re-apply its raise each tick.
  if (cur.balloon_current_kib) {
    out.allocation[Resource::kMemory] =
        static_cast<double>(*cur.balloon_current_kib) * kBytesPerKib;
  }
  if (cur.balloon_rss_kib) {
    out.set(Metric::kMemoryBytes, static_cast<double>(*cur.balloon_rss_kib) * kBytesPerKib);
  } else {
    out.mark_missing(Metric::kMemoryBytes, "balloon.rss not reported");
  }
  if (cur.balloon_available_kib && cur.balloon_unused_kib &&
      *cur.balloon_available_kib >= *cur.balloon_unused_kib) {
    out.set(
        Metric::kGuestMemoryUsedBytes,
        static_cast<double>(*cur.balloon_available_kib - *cur.balloon_unused_kib) * kBytesPerKib);
  } else {
    out.mark_missing(Metric::kGuestMemoryUsedBytes,
                     "guest balloon stats (available, unused) not reported");
  }
}

}  // namespace augur::sampling
