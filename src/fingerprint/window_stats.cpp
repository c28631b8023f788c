#include "window_stats.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace augur::fingerprint::detail {

namespace {

// The p95 needs the order statistics at ranks floor(h) and floor(h) + 1 from the bottom,
// h = 0.95 (count - 1): at most count - floor(h) values from the top. For windows up to a
// few hundred ticks that is a handful of values, kept sorted in one pass, far cheaper
// than a selection over the whole window; longer windows fall back to nth_element.
constexpr std::size_t kMaxTop = 32;

std::size_t top_needed(std::size_t count) {
  return count - static_cast<std::size_t>(0.95 * static_cast<double>(count - 1));
}

// Keeps the k largest values seen, in descending order.
struct TopK {
  std::array<double, kMaxTop> v{};
  std::size_t size = 0;
  std::size_t k = 0;

  void offer(double x) {
    if (size == k) {
      if (x <= v[size - 1]) return;
      --size;  // the smallest kept value drops out
    }
    std::size_t i = size++;
    while (i > 0 && v[i - 1] < x) {
      v[i] = v[i - 1];
      --i;
    }
    v[i] = x;
  }
};

constexpr std::size_t kLanes = 4;  // independent accumulators: FP adds are latency-bound

double percentile95(const TopK& top, std::size_t count, double* scratch, bool use_top) {
  const double h = 0.95 * static_cast<double>(count - 1);
  const auto lo = static_cast<std::size_t>(h);
  const double frac = h - static_cast<double>(lo);
  double v_lo = 0;
  double v_hi = 0;
  if (use_top) {
    v_lo = top.v[count - 1 - lo];
    v_hi = lo + 1 < count ? top.v[count - 2 - lo] : v_lo;
  } else {
    double* const end = scratch + count;
    std::nth_element(scratch, scratch + lo, end);
    v_lo = scratch[lo];
    v_hi = lo + 1 < count ? *std::min_element(scratch + lo + 1, end) : v_lo;
  }
  return v_lo + frac * (v_hi - v_lo);
}

// Handles missing ticks (NaN): one branchy pass, then a centred pass.
WindowStats window_stats_sparse(const double* x, std::size_t n, std::uint8_t need,
                                double* scratch) {
  WindowStats s;
  const bool want_p95 = (need & kNeedP95) != 0;
  const bool use_top = want_p95 && top_needed(n) <= kMaxTop;
  TopK top;
  top.k = use_top ? top_needed(n) : 0;
  double sum = 0;
  double sum_t = 0;
  double max = -INFINITY;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (std::isnan(v)) continue;
    sum += v;
    sum_t += static_cast<double>(i);
    max = std::max(max, v);
    if (use_top) {
      top.offer(v);
    } else if (want_p95) {
      scratch[s.count] = v;
    }
    ++s.count;
  }
  if (s.count == 0) return s;
  const double count = static_cast<double>(s.count);
  s.mean = sum / count;
  s.max = max;
  if ((need & kNeedSpread) && s.count >= 2) {
    // Centred second pass: numerically stable for large levels (memory in bytes).
    const double mean_t = sum_t / count;
    double sxx = 0;
    double stt = 0;
    double stx = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = x[i];
      if (std::isnan(v)) continue;
      const double dx = v - s.mean;
      const double dt = static_cast<double>(i) - mean_t;
      sxx += dx * dx;
      stt += dt * dt;
      stx += dt * dx;
    }
    s.std_dev = std::sqrt(sxx / (count - 1));
    s.slope_per_tick = stt > 0 ? stx / stt : 0;
  }
  if (want_p95) s.p95 = percentile95(top, s.count, scratch, use_top);
  return s;
}

}  // namespace

WindowStats window_stats(const double* x, std::size_t n, std::uint8_t need, double* scratch) {
  WindowStats s;
  if (n == 0) return s;
  // Dense fast path (the usual case: every tick present). A NaN anywhere makes the sum NaN,
  // which sends the window to the sparse path.
  std::array<double, kLanes> sum{};
  std::array<double, kLanes> max;
  max.fill(-INFINITY);
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      sum[l] += x[i + l];
      max[l] = std::max(max[l], x[i + l]);
    }
  }
  for (; i < n; ++i) {
    sum[0] += x[i];
    max[0] = std::max(max[0], x[i]);
  }
  const double total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
  if (std::isnan(total)) return window_stats_sparse(x, n, need, scratch);
  const double count = static_cast<double>(n);
  s.count = n;
  s.mean = total / count;
  s.max = std::max(std::max(max[0], max[1]), std::max(max[2], max[3]));
  if ((need & kNeedSpread) && n >= 2) {
    // Tick indices 0..n-1: their mean and centred sum of squares are closed-form.
    const double mean_t = (count - 1) / 2;
    const double stt = count * (count * count - 1) / 12;
    std::array<double, kLanes> sxx{};
    std::array<double, kLanes> stx{};
    i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (std::size_t l = 0; l < kLanes; ++l) {
        const double dx = x[i + l] - s.mean;
        sxx[l] += dx * dx;
        stx[l] += (static_cast<double>(i + l) - mean_t) * dx;
      }
    }
    for (; i < n; ++i) {
      const double dx = x[i] - s.mean;
      sxx[0] += dx * dx;
      stx[0] += (static_cast<double>(i) - mean_t) * dx;
    }
    s.std_dev = std::sqrt(((sxx[0] + sxx[1]) + (sxx[2] + sxx[3])) / (count - 1));
    s.slope_per_tick = ((stx[0] + stx[1]) + (stx[2] + stx[3])) / stt;
  }
  if (need & kNeedP95) {
    const bool use_top = top_needed(n) <= kMaxTop;
    TopK top;
    if (top_needed(n) <= 4) {
      // Windows up to ~60 ticks need at most the 4 largest: a branchless insertion network
      // (min/max only) beats data-dependent branches here.
      double a = -INFINITY, b = -INFINITY, c = -INFINITY, d = -INFINITY;
      for (i = 0; i < n; ++i) {
        const double v = x[i];
        const double x1 = std::min(a, v);
        a = std::max(a, v);
        const double x2 = std::min(b, x1);
        b = std::max(b, x1);
        const double x3 = std::min(c, x2);
        c = std::max(c, x2);
        d = std::max(d, x3);
      }
      top.v[0] = a;
      top.v[1] = b;
      top.v[2] = c;
      top.v[3] = d;
      top.size = top.k = 4;
    } else if (use_top) {
      top.k = top_needed(n);
      for (i = 0; i < n; ++i) top.offer(x[i]);
    } else {
      std::copy_n(x, n, scratch);
    }
    s.p95 = percentile95(top, n, scratch, use_top);
  }
  return s;
}

}  // namespace augur::fingerprint::detail
