#include "augur/plan/observe_scorer.h"

#include <cmath>
#include <limits>

namespace augur::plan {

double ObserveScore::precision() const {
  const std::uint64_t resolved = true_positives + false_positives;
  return resolved == 0 ? std::numeric_limits<double>::quiet_NaN()
                       : static_cast<double>(true_positives) / static_cast<double>(resolved);
}

double ObserveScore::recall() const {
  return rises == 0 ? std::numeric_limits<double>::quiet_NaN()
                    : static_cast<double>(rises_anticipated) / static_cast<double>(rises);
}

ObserveScorer::ObserveScorer(Nanos horizon) : horizon_(horizon) {}

void ObserveScorer::record_increase(std::string_view instance_id, Resource r, SteadyTime at,
                                    double allocation_at_decision) {
  Track& t = tracks_[{std::string(instance_id), r}];
  t.open.push_back(Open{at, allocation_at_decision});
  t.recent.push_back(at);
  ++score_.increases;
  ++score_.pending;
}

void ObserveScorer::record_plan(const Plan& plan) {
  for (const Change& c : plan.changes) {
    if (c.new_value > c.old_value)
      record_increase(plan.instance_id, c.resource, plan.at, c.old_value);
  }
}

void ObserveScorer::expire(Track& t, SteadyTime now) {
  while (!t.open.empty() && t.open.front().at + horizon_ < now) {
    t.open.pop_front();
    --score_.pending;
    ++score_.false_positives;
  }
}

void ObserveScorer::observe(std::string_view instance_id, Resource r, SteadyTime at, double need,
                            double allocation) {
  if (std::isnan(need) || std::isnan(allocation)) return;
  Track& t = tracks_[{std::string(instance_id), r}];
  expire(t, at);
  // Open increases decided before this observation, still within their horizon.
  for (auto it = t.open.begin(); it != t.open.end();) {
    if (it->at < at && need > it->allocation) {
      it = t.open.erase(it);
      --score_.pending;
      ++score_.true_positives;
    } else {
      ++it;
    }
  }
  while (!t.recent.empty() && t.recent.front() < at - horizon_) t.recent.pop_front();
  const bool above = need > allocation;
  if (t.seen && above && !t.above) {
    ++score_.rises;
    bool anticipated = false;
    for (SteadyTime when : t.recent) anticipated = anticipated || when < at;
    if (anticipated) {
      ++score_.rises_anticipated;
    } else {
      ++score_.false_negatives;
    }
  }
  t.seen = true;
  t.above = above;
}

void ObserveScorer::observe(std::string_view instance_id, SteadyTime at, const ResourceVector& need,
                            const ResourceVector& allocation) {
  for (Resource r : kAllResources) observe(instance_id, r, at, need[r], allocation[r]);
}

void ObserveScorer::advance(SteadyTime now) {
  for (auto& [key, t] : tracks_) expire(t, now);
}

void ObserveScorer::forget(std::string_view instance_id) {
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    if (it->first.first == instance_id) {
      score_.pending -= it->second.open.size();
      it = tracks_.erase(it);
    } else {
      ++it;
    }
  }
}

ObserveScore ObserveScorer::score() const {
  return score_;
}

}  // namespace augur::plan
