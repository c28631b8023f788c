#include "augur/sampling/perf/derive.h"

#include <algorithm>
#include <array>

namespace augur::sampling {
namespace {

constexpr double kNanosPerSecond = 1e9;

const std::string* reason_for(const PerfRaw& raw, Metric m) {
  for (const auto& [metric, reason] : raw.missing) {
    if (metric == m) return &reason;
  }
  return nullptr;
}

}  // namespace

void derive_perf_rates(const PerfRaw& prev, const PerfRaw& cur, Nanos elapsed, Sample& out) {
  std::array<double, kPerfMetricCount> sum{};
  std::bitset<kPerfMetricCount> have;
  const auto elapsed_ns = static_cast<double>(elapsed.count());
  const bool per_thread = cur.mode == CountingMode::kPerThread;
  if (per_thread) out.vcpu_utilisation.clear();

  // Both unit lists are sorted by key: merge them.
  auto p = prev.units.begin();
  for (const auto& c : cur.units) {
    while (p != prev.units.end() && p->key < c.key) ++p;
    if (p == prev.units.end()) break;
    if (p->key != c.key || p->epoch != c.epoch) continue;
    for (std::size_t i = 0; i < kPerfMetricCount; ++i) {
      if (!c.counts.present.test(i) || !p->counts.present.test(i)) continue;
      // Scaled estimates of a multiplexed counter can step back a little: never negative.
      sum[i] += std::max(0.0, c.counts.values[i] - p->counts.values[i]);
      have.set(i);
    }
    if (per_thread && elapsed_ns > 0 && c.counts.has(Metric::kTaskClockCores) &&
        p->counts.has(Metric::kTaskClockCores)) {
      const double busy_ns =
          c.counts.get(Metric::kTaskClockCores) - p->counts.get(Metric::kTaskClockCores);
      out.vcpu_utilisation.push_back(std::clamp(busy_ns / elapsed_ns, 0.0, 1.0));
    }
  }

  for (std::size_t i = 0; i < kPerfMetricCount; ++i) {
    if (!cur.configured.test(i)) continue;
    const auto m = static_cast<Metric>(i);
    if (const auto* reason = reason_for(cur, m)) {
      out.mark_missing(m, *reason);
    } else if (elapsed_ns <= 0) {
      out.mark_missing(m, "no elapsed time between readings");
    } else if (!have.test(i)) {
      out.mark_missing(
          m, cur.units.empty() ? "no threads counted" : "no counter data in both readings");
    } else if (m == Metric::kTaskClockCores) {
      out.set(m, sum[i] / elapsed_ns);
    } else {
      out.set(m, sum[i] * kNanosPerSecond / elapsed_ns);
    }
  }
  out.multiplex_ratio = cur.multiplex_ratio;
}

}  // namespace augur::sampling
