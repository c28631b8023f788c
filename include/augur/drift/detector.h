#pragma once
// The sequential rule that turns single threshold exceedances into drift episodes.
//
// Input per tick: r = score / threshold, where the threshold is the baseline's calibrated
// quantile of its own in-baseline scores (so r > 1 happens on a fraction 1 - q of
// in-control ticks).
//
// CUSUM (default): S_t = max(0, S_{t-1} + r_t - 1 - slack). An episode starts when
//   S_t >= limit. With slack 0.5 and limit 5 a single tick cannot start one unless r >= 6.5;
//   a sustained r of 2 starts one in 10 ticks, r of 3 in 4.
// k-of-n: an episode starts when at least k of the last n ticks had r > 1 + slack.
// Both: the detector is "suspect" while S > 0 (CUSUM) or any of the last n ticks exceeded
//   (k-of-n); the episode's start is the tick the detector last became suspect (the
//   change-point estimate), and the analyser learns nothing while suspect or in an episode.
// Hysteresis: an open episode ends only after r < 1 (the lower level: below threshold,
//   where starting needed 1 + slack) for end_hold_ticks consecutive ticks; the statistic
//   is then reset. So a noisy instance hovering around the threshold does not flap.
#include <cstdint>
#include <vector>

#include "augur/config/config.h"

namespace augur::drift {

// end_hold_ticks is not (yet) a config key: half the default window, so the window has
// mostly moved past the change before an episode may close.
inline constexpr int kDefaultEndHoldTicks = 30;

struct DetectorParams {
  config::SequentialRule rule = config::SequentialRule::kCusum;
  double slack = 0.5;
  double limit = 5.0;
  int k = 3;
  int n = 5;
  int end_hold_ticks = kDefaultEndHoldTicks;
};

[[nodiscard]] DetectorParams detector_params(const config::DriftSection& drift,
                                             int end_hold_ticks = kDefaultEndHoldTicks);

enum class DetectorStep { kQuiet, kStarted, kOngoing, kEnded };

class SequentialDetector {
 public:
  explicit SequentialDetector(DetectorParams params);

  // One tick. Returns kStarted on the tick an episode opens, kOngoing while it stays open,
  // kEnded on the tick it closes, kQuiet otherwise.
  DetectorStep step(double ratio);

  [[nodiscard]] bool in_episode() const { return in_episode_; }
  [[nodiscard]] bool suspect() const;
  [[nodiscard]] double statistic() const;  // CUSUM S, or exceedances in the last n
  void reset();

 private:
  DetectorParams p_;
  bool in_episode_ = false;
  double cusum_ = 0;
  std::vector<bool> recent_;  // k-of-n: exceedances of the last n ticks (ring)
  std::size_t recent_head_ = 0;
  int recent_count_ = 0;
  int below_ticks_ = 0;
};

}  // namespace augur::drift
