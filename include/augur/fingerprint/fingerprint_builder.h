#pragma once
// Per instance: one ring buffer per series of the feature table, and the fingerprint over
// the newest window of ticks.
//
// Definitions (the feature table's contract; version kFeatureTableVersion):
// - Only the ticks where a series is present count. A feature is masked when fewer than
//   max(2, ceil(window / 2)) of the window's ticks have its series, or when its statistic
//   is undefined (burstiness or growth with a mean <= 0). Masked, never zero.
// - Variability is the sample standard deviation, not the MAD: it is computed in one pass
//   with no sort, and robustness against outlying windows is the baseline's job (it learns
//   only from windows that are not drifting, and its threshold is an empirical quantile).
// - Trend is the least-squares slope against the tick index, multiplied by (window - 1):
//   the fitted change across the window, in the series' unit, so it does not depend on the
//   window length for a steady ramp. The baseline's standardisation makes it unit-free.
// - p95 interpolates linearly between order statistics (Hyndman-Fan type 7, as numpy).
// - A value that is not finite (NaN, an infinity from a broken counter) is a missing tick.
//
// Cost: a builder constructed with a tracked window keeps that window's statistics up to
// date on every push (sliding sums for mean, std and trend; a sorted copy of the window for
// p95 and max; see sliding_stats.h), so compute() of that window reads them in O(features)
// with no pass over the window. compute() of any other window scans the ring (two passes
// per series plus a selection for the p95). Both give the same values up to rounding.
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/sample.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/fingerprint/ring_buffer.h"

namespace augur::fingerprint {

namespace detail {
class SlidingStats;
}  // namespace detail

// The per-tick value of every series, derived from one Sample; NaN where undefined.
// Pure function of the Sample.
void derive_series(const Sample& sample, std::array<double, kSeriesCount>& out);

class FingerprintBuilder {
 public:
  // ring_capacity bounds the largest window (config fingerprint.ring_capacity).
  // tracked_window (> 0): the window kept incrementally (the analyser's
  // fingerprint.window_ticks), clamped to ring_capacity; 0: every compute() scans.
  FingerprintBuilder(std::string instance_id, std::size_t ring_capacity,
                     std::size_t tracked_window = 0);
  ~FingerprintBuilder();
  FingerprintBuilder(FingerprintBuilder&&) noexcept;
  FingerprintBuilder& operator=(FingerprintBuilder&&) noexcept;

  // Records one tick. Never allocates.
  void push(const Sample& sample);

  [[nodiscard]] std::size_t ticks() const { return ticks_; }  // held, <= capacity
  [[nodiscard]] std::size_t capacity() const { return rings_.front().capacity(); }
  [[nodiscard]] const std::string& instance_id() const { return instance_id_; }
  [[nodiscard]] std::size_t tracked_window() const { return tracked_window_; }

  // Fingerprint over the newest min(window_ticks, ticks()) ticks, written into `out`,
  // reusing its storage: no allocation once `out` has been filled once.
  void compute(std::size_t window_ticks, Fingerprint& out);
  [[nodiscard]] Fingerprint compute(std::size_t window_ticks);

 private:
  std::string instance_id_;
  std::vector<RingBuffer<double>> rings_;  // one per Series
  std::size_t tracked_window_ = 0;
  std::vector<detail::SlidingStats> sliding_;  // one per Series when a window is tracked
  std::size_t pushes_since_rebuild_ = 0;
  std::size_t next_rebuild_ = 0;  // series rebuilt next (round robin)
  std::size_t ticks_ = 0;
  SteadyTime last_at_{};
  std::array<double, kSeriesCount> tick_values_{};
  // Once the instance's guest has reported its memory (a VM's balloon statistics), a tick
  // without that report is a gap in the memory series, not the host RSS: the two differ by
  // hundreds of MiB, and one RSS tick among the guest's own would read as a jump.
  bool guest_memory_seen_ = false;
  std::vector<double> window_;  // scratch: one series' window
  std::vector<double> sorted_;  // scratch: present values for the percentile
};

}  // namespace augur::fingerprint
