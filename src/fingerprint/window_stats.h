#pragma once
// Statistics of one series over a window (private to the fingerprint library).
#include <cstddef>
#include <cstdint>

namespace augur::fingerprint::detail {

enum StatBits : std::uint8_t {
  kNeedSpread = 1,  // std and trend: a second, centred pass
  kNeedP95 = 2,
  kNeedMax = 4,
};

struct WindowStats {
  std::size_t count = 0;  // present ticks
  double mean = 0;
  double std_dev = 0;
  double p95 = 0;
  double slope_per_tick = 0;
  double max = 0;
};

// `x` holds n ticks, oldest first, NaN where the series is missing. `scratch` must hold n
// doubles. Computes only what `need` asks for (mean and count always).
WindowStats window_stats(const double* x, std::size_t n, std::uint8_t need, double* scratch);

}  // namespace augur::fingerprint::detail
