#include "augur/drift/detector.h"

#include <algorithm>

namespace augur::drift {

DetectorParams detector_params(const config::DriftSection& drift, int end_hold_ticks) {
  DetectorParams p;
  p.rule = drift.rule;
  p.slack = drift.cusum_slack;
  p.limit = drift.cusum_limit;
  p.k = std::max(1, drift.k);
  p.n = std::max(p.k, drift.n);
  p.end_hold_ticks = std::max(1, end_hold_ticks);
  return p;
}

SequentialDetector::SequentialDetector(DetectorParams params)
    : p_(params), recent_(static_cast<std::size_t>(std::max(1, params.n)), false) {}

bool SequentialDetector::suspect() const {
  return p_.rule == config::SequentialRule::kCusum ? cusum_ > 0 : recent_count_ > 0;
}

double SequentialDetector::statistic() const {
  return p_.rule == config::SequentialRule::kCusum ? cusum_ : recent_count_;
}

void SequentialDetector::reset() {
  in_episode_ = false;
  cusum_ = 0;
  std::fill(recent_.begin(), recent_.end(), false);
  recent_head_ = 0;
  recent_count_ = 0;
  below_ticks_ = 0;
}

DetectorStep SequentialDetector::step(double ratio) {
  bool alarm = false;
  if (p_.rule == config::SequentialRule::kCusum) {
    cusum_ = std::max(0.0, cusum_ + ratio - 1.0 - p_.slack);
    alarm = cusum_ >= p_.limit;
  } else {
    const bool exceeded = ratio > 1.0 + p_.slack;
    recent_count_ += static_cast<int>(exceeded) - static_cast<int>(recent_[recent_head_]);
    recent_[recent_head_] = exceeded;
    recent_head_ = (recent_head_ + 1) % recent_.size();
    alarm = recent_count_ >= p_.k;
  }
  if (!in_episode_) {
    if (!alarm) return DetectorStep::kQuiet;
    in_episode_ = true;
    below_ticks_ = 0;
    return DetectorStep::kStarted;
  }
  below_ticks_ = ratio < 1.0 ? below_ticks_ + 1 : 0;
  if (below_ticks_ < p_.end_hold_ticks) return DetectorStep::kOngoing;
  reset();
  return DetectorStep::kEnded;
}

}  // namespace augur::drift
