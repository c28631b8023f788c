#include "sliding_stats.h"

#include <algorithm>
#include <cmath>

namespace augur::fingerprint::detail {

SlidingStats::SlidingStats(std::size_t window, bool keep_sorted)
    : window_(std::max<std::size_t>(window, 1)),
      keep_sorted_(keep_sorted),
      sorted_(keep_sorted ? window_ : 0) {}

namespace {

// The first of n ascending values not below x (or, with kUpper, above x), without branches
// on the data: the window's values come in random order, so a branchy search mispredicts.
template <bool kUpper>
double* bound(double* base, std::size_t n, double x) {
  if (n == 0) return base;
  while (n > 1) {
    const std::size_t half = n / 2;
    const bool right = kUpper ? !(x < base[half - 1]) : base[half - 1] < x;
    base = right ? base + half : base;
    n -= half;
  }
  return base + (kUpper ? !(x < *base) : *base < x);
}

}  // namespace

void SlidingStats::insert_sorted(double x) {
  const auto n = static_cast<std::size_t>(n_);  // before the count goes up
  double* const begin = sorted_.data();
  double* const pos = bound<true>(begin, n, x);
  std::copy_backward(pos, begin + n, begin + n + 1);
  *pos = x;
}

void SlidingStats::erase_sorted(double x) {
  const auto n = static_cast<std::size_t>(n_);
  double* const begin = sorted_.data();
  double* const pos = bound<false>(begin, n, x);
  if (pos == begin + n) return;  // cannot happen while `leaving` is what the window held
  std::copy(pos + 1, begin + n, pos);
}

void SlidingStats::replace_sorted(double out, double in) {
  // One shift of the values between the two positions instead of an erase and an insert.
  const auto n = static_cast<std::size_t>(n_);
  double* const begin = sorted_.data();
  double* const from = bound<false>(begin, n, out);
  if (from == begin + n) return;
  double* const to = bound<true>(begin, n, in);
  if (to > from) {  // in goes after out's slot: close the gap leftwards
    std::copy(from + 1, to, from);
    to[-1] = in;
  } else {
    std::copy_backward(to, from, from + 1);
    *to = in;
  }
}

bool SlidingStats::push(double entering, double leaving) {
  const bool full = span_ == window_;
  const bool leaves = full && !std::isnan(leaving);
  const bool enters = !std::isnan(entering);
  if (keep_sorted_) {  // with the count before this tick
    if (leaves && enters) {
      replace_sorted(leaving, entering);
    } else if (leaves) {
      erase_sorted(leaving);
    } else if (enters) {
      insert_sorted(entering);
    }
  }
  if (full) {
    // The oldest tick (position 0) leaves: it contributes nothing to the j-weighted sums.
    if (leaves) {
      const double d = leaving - offset_;
      sum_d_ -= d;
      sum_dd_ -= d * d;
      --n_;
    }
    // Every remaining position moves down by one: sum (j-1) d, sum (j-1), sum (j-1)^2.
    sum_jd_ -= sum_d_;
    sum_jj_ += n_ - 2 * sum_j_;
    sum_j_ -= n_;
    --span_;
    if (n_ == 0) {  // nothing held: the sums are exactly zero, whatever rounding they carried
      sum_d_ = sum_dd_ = sum_jd_ = 0;
      peak_dd_ = 0;
    }
  }
  const auto j = static_cast<std::int64_t>(span_++);
  if (enters) {
    const double d = entering - offset_;
    sum_d_ += d;
    sum_dd_ += d * d;
    sum_jd_ += static_cast<double>(j) * d;
    sum_j_ += j;
    sum_jj_ += j * j;
    peak_dd_ = std::max(peak_dd_, d * d);
    ++n_;
  }
  if (n_ == 0) return false;
  // The window's variance about its mean (biased, cancellation and all: if it cancelled, it
  // came out tiny, which asks for the rebuild that fixes it).
  const double n = static_cast<double>(n_);
  const double mean_d = sum_d_ / n;
  return peak_dd_ > kMaxSpread * (sum_dd_ / n - mean_d * mean_d);
}

WindowStats SlidingStats::stats(std::uint8_t need) const {
  WindowStats s;
  s.count = static_cast<std::size_t>(n_);
  if (n_ == 0) return s;
  const double n = static_cast<double>(n_);
  s.mean = offset_ + sum_d_ / n;
  if ((need & kNeedSpread) && n_ >= 2) {
    s.std_dev = std::sqrt(std::max(0.0, (sum_dd_ - sum_d_ * sum_d_ / n) / (n - 1)));
    // n * sum_jj - sum_j^2 = n^2 var(j): integers, exact.
    const std::int64_t tt = n_ * sum_jj_ - sum_j_ * sum_j_;
    s.slope_per_tick =
        tt > 0 ? (n * sum_jd_ - static_cast<double>(sum_j_) * sum_d_) / static_cast<double>(tt) : 0;
  }
  if (keep_sorted_) {
    const std::size_t count = s.count;
    s.max = sorted_[count - 1];
    // Hyndman-Fan type 7, as window_stats().
    const double h = 0.95 * static_cast<double>(count - 1);
    const auto lo = static_cast<std::size_t>(h);
    const double v_lo = sorted_[lo];
    const double v_hi = lo + 1 < count ? sorted_[lo + 1] : v_lo;
    s.p95 = v_lo + (h - static_cast<double>(lo)) * (v_hi - v_lo);
  }
  return s;
}

void SlidingStats::rebuild(const RingBuffer<double>& ring) {
  const std::size_t first = ring.size() - span_;
  double sum = 0;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < span_; ++i) {
    const double x = ring[first + i];
    if (std::isnan(x)) continue;
    sum += x;
    ++n;
  }
  offset_ = n > 0 ? sum / static_cast<double>(n) : 0.0;
  n_ = n;
  sum_d_ = sum_dd_ = sum_jd_ = 0;
  sum_j_ = sum_jj_ = 0;
  peak_dd_ = 0;
  for (std::size_t i = 0; i < span_; ++i) {
    const double x = ring[first + i];
    if (std::isnan(x)) continue;
    const double d = x - offset_;
    const auto j = static_cast<std::int64_t>(i);
    sum_d_ += d;
    sum_dd_ += d * d;
    sum_jd_ += static_cast<double>(j) * d;
    sum_j_ += j;
    sum_jj_ += j * j;
    peak_dd_ = std::max(peak_dd_, d * d);
  }
}

}  // namespace augur::fingerprint::detail
