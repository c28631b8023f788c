#include "augur/predict/predictor.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "neighbour_estimate.h"

namespace augur::predict {

namespace {

// Candidates fetched per type index beyond k, then re-ranked on double distances, so float
// rounding in the index cannot change which k patterns win.
std::size_t candidates_for(std::size_t k) {
  return 2 * k + 8;
}

double log_magnitude(double m) {
  return std::log(std::max(m, kMinMagnitude));
}

}  // namespace

struct Predictor::Impl {
  PredictorOptions options;
  std::size_t dim = 0;  // 0 until the first pattern
  std::uint32_t version = 0;
  std::uint64_t next_key = 1;
  std::unordered_map<std::uint64_t, Pattern> patterns;
  std::unordered_map<std::string, std::uint64_t> by_id;
  std::set<std::pair<std::int64_t, std::uint64_t>> by_age;  // (start_unix_ms, key)
  std::map<std::string, NearestIndex> by_type;

  // [u, sqrt(w) ln m]: the Euclidean distance of two of these is d above (before penalty).
  std::vector<double> point(const std::vector<double>& unit, double magnitude) const {
    std::vector<double> p(unit);
    p.push_back(std::sqrt(options.magnitude_weight) * log_magnitude(magnitude));
    return p;
  }

  double distance(const std::vector<double>& unit, double magnitude, const std::string& type,
                  const Pattern& p) const {
    double sum = 0;
    for (std::size_t i = 0; i < unit.size(); ++i) {
      const double d = unit[i] - p.direction[i];
      sum += d * d;
    }
    const double dm = log_magnitude(magnitude) - log_magnitude(p.magnitude);
    const double d = std::sqrt(sum + options.magnitude_weight * dm * dm);
    return type == p.app_type ? d : d * options.other_type_penalty;
  }

  void erase(std::uint64_t key) {
    const auto it = patterns.find(key);
    if (it == patterns.end()) return;
    const Pattern& p = it->second;
    const auto index = by_type.find(p.app_type);
    if (index != by_type.end()) {
      index->second.remove(key);
      if (index->second.size() == 0) by_type.erase(index);
    }
    by_age.erase({p.start_unix_ms, key});
    by_id.erase(p.id);
    patterns.erase(it);
  }
};

PredictorOptions predictor_options(const config::PredictSection& section) {
  PredictorOptions o;
  o.k = static_cast<std::size_t>(std::max(1, section.k));
  o.min_neighbours = std::min(o.k, static_cast<std::size_t>(std::max(1, section.min_neighbours)));
  o.other_type_penalty = std::max(1.0, section.other_type_penalty);
  o.magnitude_weight = std::max(0.0, section.magnitude_weight);
  o.confidence_distance =
      section.confidence_distance > 0 ? section.confidence_distance : kConfidenceDistanceScale;
  o.max_patterns = static_cast<std::size_t>(std::max(1, section.history_max_patterns));
  o.max_age = std::chrono::duration_cast<std::chrono::milliseconds>(section.history_max_age);
  return o;
}

PredictionQuery query_for(const DriftEpisode& episode, const ResourceVector& host_utilisation) {
  PredictionQuery q;
  q.instance_id = episode.instance_id;
  q.app_type = episode.app_type;
  q.at = episode.start;
  q.delta = episode.direction;
  q.magnitude = episode.peak_score;
  q.host_utilisation = host_utilisation;
  return q;
}

Predictor::Predictor(PredictorOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

Status Predictor::add(Pattern pattern) {
  Impl& s = *impl_;
  if (!pattern.labelled()) return Error{"pattern is not labelled", pattern.id};
  if (s.by_id.contains(pattern.id)) return Error{"pattern already in the history", pattern.id};
  if (pattern.direction.empty() || pattern.direction.size() != pattern.delta.size()) {
    return Error{"direction and delta lengths differ or are empty", pattern.id};
  }
  double norm2 = 0;
  for (double v : pattern.direction) norm2 += v * v;
  if (!(std::abs(norm2 - 1) < 1e-9)) return Error{"direction is not a unit vector", pattern.id};
  if (!(pattern.magnitude > 0) || !std::isfinite(pattern.magnitude)) {
    return Error{"magnitude is not positive", pattern.id};
  }
  if (s.dim == 0) {
    s.dim = pattern.direction.size();
    s.version = pattern.feature_table_version;
  } else if (pattern.direction.size() != s.dim || pattern.feature_table_version != s.version) {
    return Error{"feature table " + std::to_string(pattern.feature_table_version) + " with " +
                     std::to_string(pattern.direction.size()) + " features, history has " +
                     std::to_string(s.version) + " with " + std::to_string(s.dim),
                 pattern.id};
  }
  const std::uint64_t key = s.next_key++;
  auto index = s.by_type.try_emplace(pattern.app_type, s.dim + 1, s.options.index).first;
  index->second.add(key, s.point(pattern.direction, pattern.magnitude));
  s.by_age.emplace(pattern.start_unix_ms, key);
  s.by_id.emplace(pattern.id, key);
  s.patterns.emplace(key, std::move(pattern));
  while (s.patterns.size() > s.options.max_patterns) s.erase(s.by_age.begin()->second);
  return {};
}

std::size_t Predictor::evict_older_than(std::int64_t now_unix_ms) {
  Impl& s = *impl_;
  const std::int64_t cutoff = now_unix_ms - s.options.max_age.count();
  std::size_t evicted = 0;
  while (!s.by_age.empty() && s.by_age.begin()->first < cutoff) {
    s.erase(s.by_age.begin()->second);
    ++evicted;
  }
  return evicted;
}

void Predictor::clear() {
  PredictorOptions options = std::move(impl_->options);
  impl_ = std::make_unique<Impl>();
  impl_->options = std::move(options);
}

std::size_t Predictor::size() const {
  return impl_->patterns.size();
}

std::vector<Pattern> Predictor::patterns() const {
  std::vector<Pattern> out;
  out.reserve(impl_->patterns.size());
  for (const auto& [ms, key] : impl_->by_age) out.push_back(impl_->patterns.at(key));
  return out;
}

Prediction Predictor::predict(const PredictionQuery& query) const {
  return predict_detailed(query).prediction;
}

DetailedPrediction Predictor::predict_detailed(const PredictionQuery& query) const {
  const Impl& s = *impl_;
  DetailedPrediction detailed;
  Prediction& pred = detailed.prediction;
  pred.instance_id = query.instance_id;
  pred.at = query.at;
  pred.headroom_factor = headroom_factors(query.host_utilisation);
  if (s.patterns.size() < s.options.min_neighbours) {
    pred.reason = std::to_string(s.patterns.size()) + " labelled neighbours, need " +
                  std::to_string(s.options.min_neighbours);
    return detailed;
  }
  if (query.delta.size() != s.dim) {
    pred.reason = "direction has " + std::to_string(query.delta.size()) +
                  " features, the history's patterns have " + std::to_string(s.dim);
    return detailed;
  }
  auto unit = unit_direction(query.delta);
  if (!unit) {
    pred.reason = unit.error().what;
    return detailed;
  }
  if (!(query.magnitude > 0) || !std::isfinite(query.magnitude)) {
    pred.reason = "drift magnitude is not positive";
    return detailed;
  }
  const std::vector<double> q = s.point(*unit, query.magnitude);
  struct Candidate {
    double distance;
    const Pattern* pattern;
  };
  std::vector<Candidate> candidates;
  for (const auto& [type, index] : s.by_type) {
    for (const IndexHit& hit : index.search(q, candidates_for(s.options.k), query.mode)) {
      const Pattern& p = s.patterns.at(hit.id);
      candidates.push_back({s.distance(*unit, query.magnitude, query.app_type, p), &p});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    if (a.pattern->start_unix_ms != b.pattern->start_unix_ms) {
      return a.pattern->start_unix_ms < b.pattern->start_unix_ms;
    }
    return a.pattern->id < b.pattern->id;
  });
  if (candidates.size() > s.options.k) candidates.resize(s.options.k);
  for (const Candidate& c : candidates) {
    pred.neighbours.push_back(Neighbour{c.pattern->instance_id, c.pattern->start_unix_ms,
                                        c.distance, c.pattern->outcome->increase});
    detailed.disk_ops.neighbour_increase_per_s.push_back(
        c.pattern->outcome->disk_ops_increase_per_s);
  }
  const double ops = weighted_mean(pred.neighbours, detailed.disk_ops.neighbour_increase_per_s);
  if (!std::isnan(ops)) {
    detailed.disk_ops.available = true;
    detailed.disk_ops.unadjusted_increase_per_s = ops;
    detailed.disk_ops.increase_per_s = ops * pred.headroom_factor[Resource::kDisk];
  }
  const NeighbourEstimate est =
      estimate_from_neighbours(pred.neighbours, s.options.confidence_distance);
  if (!est.any_known) {
    pred.reason = "no neighbour has a measured outcome";
    return detailed;
  }
  pred.available = true;
  pred.unadjusted_increase = est.mean;
  pred.confidence = est.confidence;
  for (Resource r : kAllResources) {
    pred.increase[r] = pred.unadjusted_increase[r] * pred.headroom_factor[r];
  }
  return detailed;
}

}  // namespace augur::predict
