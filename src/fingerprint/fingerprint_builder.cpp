#include "augur/fingerprint/fingerprint_builder.h"

#include <algorithm>
#include <utility>

#include "window_stats.h"

namespace augur::fingerprint {

namespace {

// Which passes each series needs, from the table (computed once).
std::array<std::uint8_t, kSeriesCount> make_needs() {
  std::array<std::uint8_t, kSeriesCount> needs{};
  for (const FeatureInfo& f : feature_table()) {
    auto& n = needs[static_cast<std::size_t>(f.series)];
    switch (f.statistic) {
      case Statistic::kMean: break;
      case Statistic::kStd:
      case Statistic::kTrend:
      case Statistic::kGrowth: n |= detail::kNeedSpread; break;
      case Statistic::kP95: n |= detail::kNeedP95; break;
      case Statistic::kBurstiness: n |= detail::kNeedMax; break;
    }
  }
  return needs;
}

const std::array<std::uint8_t, kSeriesCount>& series_needs() {
  static const auto needs = make_needs();
  return needs;
}

}  // namespace

FingerprintBuilder::FingerprintBuilder(std::string instance_id, std::size_t ring_capacity)
    : instance_id_(std::move(instance_id)),
      rings_(kSeriesCount, RingBuffer<double>(ring_capacity)),
      window_(std::max<std::size_t>(ring_capacity, 1)),
      sorted_(std::max<std::size_t>(ring_capacity, 1)) {
  (void)series_needs();  // build the static table now, not on the first compute
}

void FingerprintBuilder::push(const Sample& sample) {
  derive_series(sample, tick_values_);
  for (std::size_t i = 0; i < kSeriesCount; ++i) rings_[i].push(tick_values_[i]);
  ticks_ = rings_.front().size();
  last_at_ = sample.at;
}

void FingerprintBuilder::compute(std::size_t window_ticks, Fingerprint& out) {
  out.instance_id = instance_id_;
  out.at = last_at_;
  out.feature_table_version = kFeatureTableVersion;
  out.values.assign(kFeatureCount, 0.0);
  out.present.assign(kFeatureCount, false);

  const std::size_t window = std::max<std::size_t>(std::min(window_ticks, capacity()), 1);
  const std::size_t min_count = std::max<std::size_t>(2, (window + 1) / 2);
  std::array<detail::WindowStats, kSeriesCount> stats;
  const auto& needs = series_needs();
  for (std::size_t s = 0; s < kSeriesCount; ++s) {
    const std::size_t n = rings_[s].copy_newest(window, window_.data());
    stats[s] = detail::window_stats(window_.data(), n, needs[s], sorted_.data());
  }

  const auto& table = feature_table();
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    const detail::WindowStats& st = stats[static_cast<std::size_t>(table[i].series)];
    if (st.count < min_count) continue;
    const double change = st.slope_per_tick * static_cast<double>(window - 1);
    double v = 0;
    bool ok = true;
    switch (table[i].statistic) {
      case Statistic::kMean: v = st.mean; break;
      case Statistic::kStd: v = st.std_dev; break;
      case Statistic::kP95: v = st.p95; break;
      case Statistic::kTrend: v = change; break;
      case Statistic::kBurstiness:
        ok = st.mean > 0;
        v = ok ? st.max / st.mean : 0;
        break;
      case Statistic::kGrowth:
        ok = st.mean > 0;
        v = ok ? change / st.mean : 0;
        break;
    }
    if (!ok) continue;
    out.values[i] = v;
    out.present[i] = true;
  }
}

Fingerprint FingerprintBuilder::compute(std::size_t window_ticks) {
  Fingerprint fp;
  compute(window_ticks, fp);
  return fp;
}

}  // namespace augur::fingerprint
