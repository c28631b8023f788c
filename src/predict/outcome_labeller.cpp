#include "augur/predict/outcome_labeller.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace augur::predict {

namespace {

double nan_max(double running, double v) {
  if (std::isnan(v)) return running;
  return std::isnan(running) ? v : std::max(running, v);
}

// peak - reference; NaN when either is unknown.
double increase(double peak, double reference) {
  if (std::isnan(peak) || std::isnan(reference)) return kUnknown;
  return peak - reference;
}

}  // namespace

OutcomeLabeller::OutcomeLabeller(LabellerOptions options) : options_(options) {}

Status OutcomeLabeller::open(Pattern pattern) {
  if (pattern.labelled()) return Error{"pattern is already labelled", pattern.id};
  for (const Open& o : open_) {
    if (o.pattern.id == pattern.id) return Error{"pattern is already open", pattern.id};
  }
  if (options_.max_open > 0 && open_.size() >= options_.max_open) {
    overflow_dropped_.push_back(std::move(open_.front().pattern.id));
    open_.erase(open_.begin());
  }
  open_.push_back(Open{std::move(pattern), Need{}, 0});
  return {};
}

Result<Pattern> OutcomeLabeller::refine(std::string_view id, const std::vector<double>& delta,
                                        double magnitude) {
  const auto it =
      std::find_if(open_.begin(), open_.end(), [&](const Open& o) { return o.pattern.id == id; });
  if (it == open_.end()) return Error{"no open pattern", std::string(id)};
  if (delta.size() != it->pattern.delta.size()) {
    return Error{"refined drift has " + std::to_string(delta.size()) + " features, the pattern " +
                     std::to_string(it->pattern.delta.size()),
                 std::string(id)};
  }
  if (!(magnitude > 0) || !std::isfinite(magnitude)) {
    return Error{"drift magnitude is not positive", std::string(id)};
  }
  auto unit = unit_direction(delta);
  if (!unit) return Error{unit.error().what, std::string(id)};
  it->pattern.delta = delta;
  it->pattern.direction = std::move(*unit);
  it->pattern.magnitude = magnitude;
  return it->pattern;
}

LabelEvents OutcomeLabeller::observe(const Sample& sample, std::int64_t now_unix_ms) {
  LabelEvents events;
  events.dropped = std::exchange(overflow_dropped_, {});
  const Need need = need_from_sample(sample);
  std::vector<Open> still_open;
  still_open.reserve(open_.size());
  for (Open& o : open_) {
    if (o.pattern.instance_id != sample.instance_id || sample.at <= o.pattern.start) {
      still_open.push_back(std::move(o));
      continue;
    }
    const SteadyTime end = o.pattern.start + options_.horizon;
    if (sample.at <= end) {
      for (Resource r : kAllResources)
        o.peak.resources[r] = nan_max(o.peak.resources[r], need.resources[r]);
      o.peak.disk_ops_per_s = nan_max(o.peak.disk_ops_per_s, need.disk_ops_per_s);
      ++o.samples;
    }
    if (sample.at < end) {
      still_open.push_back(std::move(o));
      continue;
    }
    if (o.samples == 0) {
      events.dropped.push_back(std::move(o.pattern.id));
      continue;
    }
    Outcome outcome;
    for (Resource r : kAllResources) {
      outcome.increase[r] = increase(o.peak.resources[r], o.pattern.need_at_start.resources[r]);
    }
    outcome.disk_ops_increase_per_s =
        increase(o.peak.disk_ops_per_s, o.pattern.need_at_start.disk_ops_per_s);
    outcome.labelled_unix_ms = now_unix_ms;
    o.pattern.outcome = outcome;
    events.labelled.push_back(std::move(o.pattern));
  }
  open_ = std::move(still_open);
  return events;
}

std::vector<std::string> OutcomeLabeller::forget_instance(std::string_view instance_id) {
  std::vector<std::string> dropped = std::exchange(overflow_dropped_, {});
  std::erase_if(open_, [&](Open& o) {
    if (o.pattern.instance_id != instance_id) return false;
    dropped.push_back(o.pattern.id);
    return true;
  });
  return dropped;
}

std::vector<std::string> OutcomeLabeller::drop_stale(SteadyTime now) {
  std::vector<std::string> dropped = std::exchange(overflow_dropped_, {});
  std::erase_if(open_, [&](Open& o) {
    if (now <= o.pattern.start + options_.horizon + options_.grace) return false;
    dropped.push_back(o.pattern.id);
    return true;
  });
  return dropped;
}

}  // namespace augur::predict
