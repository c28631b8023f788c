#include "augur/fingerprint/fingerprint_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "sliding_stats.h"
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

// Writes the features of `stats` (one entry per series) into `out`.
void fill_features(const std::array<detail::WindowStats, kSeriesCount>& stats, std::size_t window,
                   Fingerprint& out) {
  const std::size_t min_count = std::max<std::size_t>(2, (window + 1) / 2);
  const auto& table = feature_table();
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    const detail::WindowStats& st = stats[static_cast<std::size_t>(table[i].series)];
    if (st.count < min_count) continue;  // masked: also every feature of an absent metric
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

}  // namespace

FingerprintBuilder::FingerprintBuilder(std::string instance_id, std::size_t ring_capacity,
                                       std::size_t tracked_window)
    : instance_id_(std::move(instance_id)),
      rings_(kSeriesCount, RingBuffer<double>(ring_capacity)),
      tracked_window_(std::min(tracked_window, rings_.front().capacity())),
      window_(std::max<std::size_t>(ring_capacity, 1)),
      sorted_(std::max<std::size_t>(ring_capacity, 1)) {
  const auto& needs = series_needs();
  if (tracked_window_ > 0) {
    sliding_.reserve(kSeriesCount);
    for (std::size_t s = 0; s < kSeriesCount; ++s) {
      sliding_.emplace_back(tracked_window_,
                            (needs[s] & (detail::kNeedP95 | detail::kNeedMax)) != 0);
    }
  }
}

FingerprintBuilder::~FingerprintBuilder() = default;
FingerprintBuilder::FingerprintBuilder(FingerprintBuilder&&) noexcept = default;
FingerprintBuilder& FingerprintBuilder::operator=(FingerprintBuilder&&) noexcept = default;

void FingerprintBuilder::push(const Sample& sample) {
  derive_series(sample, tick_values_);
  if (sample.has(Metric::kGuestMemoryUsedBytes)) {
    guest_memory_seen_ = true;
  } else if (guest_memory_seen_) {
    tick_values_[static_cast<std::size_t>(Series::kMemoryBytes)] =
        std::numeric_limits<double>::quiet_NaN();
  }
  for (double& v : tick_values_) {
    if (!std::isfinite(v)) v = std::numeric_limits<double>::quiet_NaN();
  }
  std::uint32_t rebuild_now = 0;  // bit per series
  static_assert(kSeriesCount <= 32);
  if (!sliding_.empty()) {
    for (std::size_t i = 0; i < kSeriesCount; ++i) {
      detail::SlidingStats& w = sliding_[i];
      // The tick leaving the window, read before the ring may overwrite it.
      const double leaving =
          w.span() == tracked_window_ ? rings_[i][rings_[i].size() - tracked_window_] : 0.0;
      if (w.push(tick_values_[i], leaving)) rebuild_now |= 1u << i;
    }
  }
  for (std::size_t i = 0; i < kSeriesCount; ++i) rings_[i].push(tick_values_[i]);
  ticks_ = rings_.front().size();
  last_at_ = sample.at;
  if (sliding_.empty()) return;
  for (std::size_t i = 0; rebuild_now != 0; ++i, rebuild_now >>= 1) {
    if (rebuild_now & 1u) sliding_[i].rebuild(rings_[i]);
  }
  // One series re-summed exactly every window / series ticks: each about once per window.
  if (++pushes_since_rebuild_ >= std::max<std::size_t>(1, tracked_window_ / kSeriesCount)) {
    pushes_since_rebuild_ = 0;
    sliding_[next_rebuild_].rebuild(rings_[next_rebuild_]);
    next_rebuild_ = (next_rebuild_ + 1) % kSeriesCount;
  }
}

void FingerprintBuilder::compute(std::size_t window_ticks, Fingerprint& out) {
  out.instance_id = instance_id_;
  out.at = last_at_;
  out.feature_table_version = kFeatureTableVersion;
  out.values.assign(kFeatureCount, 0.0);
  out.present.assign(kFeatureCount, false);

  const std::size_t window = std::max<std::size_t>(std::min(window_ticks, capacity()), 1);
  std::array<detail::WindowStats, kSeriesCount> stats;
  const auto& needs = series_needs();
  if (window == tracked_window_) {
    for (std::size_t s = 0; s < kSeriesCount; ++s) stats[s] = sliding_[s].stats(needs[s]);
  } else {
    for (std::size_t s = 0; s < kSeriesCount; ++s) {
      const std::size_t n = rings_[s].copy_newest(window, window_.data());
      stats[s] = detail::window_stats(window_.data(), n, needs[s], sorted_.data());
    }
  }
  fill_features(stats, window, out);
}

Fingerprint FingerprintBuilder::compute(std::size_t window_ticks) {
  Fingerprint fp;
  compute(window_ticks, fp);
  return fp;
}

}  // namespace augur::fingerprint
