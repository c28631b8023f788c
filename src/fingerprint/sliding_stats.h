#pragma once
// Statistics of one series over a fixed window, kept up to date as the window slides (private
// to the fingerprint library). Each push adds the newest tick and drops the oldest in O(1)
// for count, mean, variance and slope, and in O(log w + w/2 moves) for the sorted copy that
// gives the p95 and the max, so a tick costs nothing proportional to the window for the
// moments and no scan at all.
//
// Exactness: the tick-index sums are integers (exact). The value sums are kept about an
// offset (the window's mean at the last rebuild) so the variance does not cancel large
// levels. A sum keeps the rounding error of every value it ever held, and an offset left far
// behind by a level change cancels, so rebuild() recomputes the sums from the ring and
// re-centres the offset: about once per window per series (the builder's round robin), and
// at once when push() sees that the largest squared distance from the offset held since the
// last rebuild exceeds kMaxSpread times the window's variance. The rounding error therefore
// stays within about w * 2^-53 * sqrt(kMaxSpread) of the window's own standard deviation,
// whatever levels came before. The sorted copy holds the values themselves, so p95 and max
// are exact.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "augur/fingerprint/ring_buffer.h"
#include "window_stats.h"

namespace augur::fingerprint::detail {

class SlidingStats {
 public:
  // Rebuild when the largest squared distance from the offset held since the last rebuild
  // exceeds this many times the window's variance.
  static constexpr double kMaxSpread = 1e6;

  // keep_sorted: maintain the sorted copy (only series that need a p95 or a max).
  SlidingStats(std::size_t window, bool keep_sorted);

  // Appends one tick (NaN = absent). When the window already spans `window` ticks, its oldest
  // tick, `leaving`, drops out first; it must be the value the window held there. Returns
  // true when the sums should be rebuilt now (after the ring holds `entering`).
  [[nodiscard]] bool push(double entering, double leaving);

  // Ticks the window spans (present or not), <= window.
  [[nodiscard]] std::size_t span() const { return span_; }

  // Mean and count always; std and slope with kNeedSpread; p95 and max from the sorted copy.
  [[nodiscard]] WindowStats stats(std::uint8_t need) const;

  // Recomputes the sums from the ring's newest span() ticks, re-centring the offset.
  void rebuild(const RingBuffer<double>& ring);

 private:
  void insert_sorted(double x);
  void erase_sorted(double x);
  void replace_sorted(double out, double in);

  std::size_t window_;
  std::size_t span_ = 0;
  // Over the present ticks, j = position in the window (0 = oldest), d = x - offset_.
  std::int64_t n_ = 0;
  std::int64_t sum_j_ = 0;
  std::int64_t sum_jj_ = 0;
  double offset_ = 0;
  double sum_d_ = 0;
  double sum_dd_ = 0;
  double sum_jd_ = 0;
  double peak_dd_ = 0;  // largest d^2 held since the last rebuild: the rounding scale
  bool keep_sorted_;
  std::vector<double> sorted_;  // capacity window_, first n_ used, ascending
};

}  // namespace augur::fingerprint::detail
