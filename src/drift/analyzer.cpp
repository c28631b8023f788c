#include "augur/drift/analyzer.h"

#include <algorithm>
#include <utility>

#include "augur/drift/distance.h"
#include "augur/drift/type_assignment.h"
#include "augur/fingerprint/fingerprint_builder.h"

namespace augur::drift {

struct Analyzer::InstanceState {
  InstanceState(std::string instance_id, std::size_t ring_capacity, std::size_t window_ticks,
                DetectorParams params, double shrinkage)
      : id(std::move(instance_id)),
        builder(id, ring_capacity, window_ticks),
        detector(params),
        own_scorer(shrinkage),
        type_scorer(shrinkage) {
    result.instance_id = id;
  }

  [[nodiscard]] const std::string& effective_type() const {
    return declared_type.empty() ? inferred_type : declared_type;
  }

  std::string id;
  std::string declared_type;
  std::string inferred_type;
  double type_confidence = 0;
  fingerprint::FingerprintBuilder builder;
  SequentialDetector detector;
  MahalanobisScorer own_scorer;
  MahalanobisScorer type_scorer;
  std::uint64_t ticks = 0;
  std::uint64_t episode_opened_tick = 0;  // st.ticks when the open episode started
  bool relearning = false;                // rebaselined; own baseline not trusted again yet
  SteadyTime suspect_since{};
  DriftEpisode episode;
  Analysis result;
  std::vector<double> modelled;  // the fingerprint's modelled values, once per tick
  Standardized z;                // against the judging baseline
  Standardized z_other;          // scratch for learning and type matching
};

namespace {

bool use_mahalanobis(const AnalyzerOptions& o) {
  return o.drift.distance == config::DistanceKind::kMahalanobis;
}

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options)
    : options_(options),
      window_ticks_(static_cast<std::size_t>(std::max(1, options.fingerprint.window_ticks))),
      baselines_(static_cast<std::uint64_t>(std::max(1, options.drift.min_baseline_windows)),
                 window_ticks_, use_mahalanobis(options)) {}

Analyzer::~Analyzer() = default;

Analyzer::InstanceState& Analyzer::state_for(std::string_view instance_id) {
  auto it = instances_.find(instance_id);
  if (it == instances_.end()) {
    const auto capacity = std::max<std::size_t>(
        window_ticks_, static_cast<std::size_t>(std::max(1, options_.fingerprint.ring_capacity)));
    auto st =
        std::make_unique<InstanceState>(std::string(instance_id), capacity, window_ticks_,
                                        detector_params(options_.drift, options_.end_hold_ticks),
                                        options_.drift.covariance_shrinkage);
    it = instances_.emplace(std::string(instance_id), std::move(st)).first;
  }
  return *it->second;
}

void Analyzer::set_app_type(std::string_view instance_id, std::string app_type) {
  InstanceState& st = state_for(instance_id);
  if (st.declared_type == app_type) return;
  st.declared_type = std::move(app_type);
  st.inferred_type.clear();
  st.type_confidence = 0;
}

void Analyzer::forget(std::string_view instance_id) {
  auto it = instances_.find(instance_id);
  if (it != instances_.end()) instances_.erase(it);
}

namespace {

double score_against(const std::vector<double>& modelled, const std::vector<bool>& present,
                     const Baseline& b, const AnalyzerOptions& o, Standardized& z,
                     MahalanobisScorer& scorer) {
  standardize_modelled(modelled, present, b, o.drift.scale_floor, z);
  return use_mahalanobis(o) ? scorer.score(z, b, o.drift.scale_floor) : euclidean_score(z);
}

}  // namespace

void Analyzer::maybe_assign_type(InstanceState& st) {
  const auto match =
      nearest_type(st.result.fingerprint, baselines_, options_.drift.threshold_quantile,
                   options_.drift.scale_floor, st.z_other);
  if (!match || !match->fits) return;
  st.inferred_type = match->app_type;
  st.type_confidence = match->confidence;
  const Baseline* own = baselines_.find_instance(st.id);
  if (own != nullptr && baselines_.trusted(*own)) return;
  Baseline seeded =
      seed_from(*baselines_.find_type(st.inferred_type), baselines_.trust_fingerprints());
  if (own != nullptr) merge_into(seeded, *own);
  baselines_.put_instance(st.id, std::move(seeded));
}

std::string_view end_reason_name(EpisodeEndReason reason) {
  switch (reason) {
    case EpisodeEndReason::kNone: return "";
    case EpisodeEndReason::kReturned: return "returned";
    case EpisodeEndReason::kRebaselined: return "rebaselined";
  }
  return "";
}

void Analyzer::learn_window(InstanceState& st, Baseline& own, bool absorb) {
  const std::vector<bool>& present = st.result.fingerprint.present;
  const std::uint64_t calibrate_from = baselines_.trust_fingerprints() / 2;
  if (own.fingerprints >= calibrate_from) {
    if (st.result.scope == BaselineScope::kInstance && st.result.scored) {
      own.scores.add(st.result.score);  // already scored against this very baseline
    } else {
      const double s =
          score_against(st.modelled, present, own, options_, st.z_other, st.own_scorer);
      if (st.z_other.count > 0) own.scores.add(s);
    }
  }
  if (absorb) learn_modelled(own, st.modelled, present);
  // A relearning instance has left its type: its windows do not teach (or calibrate) it.
  if (!st.declared_type.empty() && !st.relearning) {
    Baseline& type = baselines_.type(st.declared_type);
    if (type.fingerprints >= calibrate_from) {
      const double s =
          score_against(st.modelled, present, type, options_, st.z_other, st.type_scorer);
      if (st.z_other.count > 0) type.scores.add(s);
    }
    if (absorb) learn_modelled(type, st.modelled, present);
  }
  st.result.learned = absorb;
}

void Analyzer::rebaseline(InstanceState& st, SteadyTime at) {
  DriftEpisode& e = st.episode;
  e.end = at;
  e.state = EpisodeState::kClosed;
  st.result.events.push_back({EpisodeEventKind::kEnded, e, EpisodeEndReason::kRebaselined});
  st.detector.reset();
  // Fresh, not seeded from the type: the type is what the instance has left.
  baselines_.put_instance(st.id, make_baseline(baselines_.track_covariance()));
  st.relearning = true;
}

const Analysis& Analyzer::analyze(const Sample& sample) {
  InstanceState& st = state_for(sample.instance_id);
  Analysis& r = st.result;
  r.events.clear();
  r.top_features.clear();
  r.scored = false;
  r.score = 0;
  r.threshold = 0;
  r.learned = false;
  r.scope = BaselineScope::kNone;
  r.episode_ticks = 0;

  st.builder.push(sample);
  ++st.ticks;
  r.has_fingerprint = st.builder.ticks() >= window_ticks_;
  if (r.has_fingerprint) {
    st.builder.compute(window_ticks_, r.fingerprint);
    modelled_values(r.fingerprint, st.modelled);
    if (st.declared_type.empty() && st.inferred_type.empty() && st.ticks % window_ticks_ == 0) {
      maybe_assign_type(st);
    }
  }
  const std::string& type = st.effective_type();
  r.app_type = type;
  r.type_inferred = st.declared_type.empty() && !st.inferred_type.empty();
  r.type_confidence = r.type_inferred ? st.type_confidence : 0;
  Baseline& own = baselines_.instance(st.id, type);
  if (st.relearning && baselines_.trusted(own)) st.relearning = false;
  r.relearning = st.relearning;
  // A window with nothing present (the instance stopped answering) says nothing: neither
  // scored nor learned, so it cannot count towards trust either.
  const bool any_present =
      r.has_fingerprint && std::find(r.fingerprint.present.begin(), r.fingerprint.present.end(),
                                     true) != r.fingerprint.present.end();
  if (!any_present) {
    r.statistic = st.detector.statistic();
    r.in_episode = st.detector.in_episode();
    if (r.in_episode) {
      r.episode_ticks = static_cast<std::int64_t>(st.ticks - st.episode_opened_tick);
    }
    r.instance_baseline = baselines_.state(own);
    return r;
  }

  const Baseline* judge = nullptr;
  MahalanobisScorer* scorer = nullptr;
  if (baselines_.trusted(own)) {
    judge = &own;
    scorer = &st.own_scorer;
    r.scope = BaselineScope::kInstance;
  } else if (!type.empty() && !st.relearning) {
    const Baseline* t = baselines_.find_type(type);
    if (t != nullptr && baselines_.trusted(*t)) {
      judge = t;
      scorer = &st.type_scorer;
      r.scope = BaselineScope::kType;
    }
  }
  const double threshold =
      judge != nullptr ? calibrated_threshold(*judge, options_.drift.threshold_quantile) : 0.0;
  if (threshold > 0) {
    r.score = score_against(st.modelled, r.fingerprint.present, *judge, options_, st.z, *scorer);
    r.threshold = threshold;
    r.scored = st.z.count > 0;
  } else {
    r.scope = BaselineScope::kNone;
  }
  if (r.scored) {
    top_features(st.z, options_.top_features, r.top_features);
    const bool was_suspect = st.detector.suspect() || st.detector.in_episode();
    const DetectorStep step = st.detector.step(r.score / threshold);
    if (!was_suspect && (st.detector.suspect() || st.detector.in_episode())) {
      st.suspect_since = sample.at;
    }
    DriftEpisode& e = st.episode;
    switch (step) {
      case DetectorStep::kQuiet: break;
      case DetectorStep::kStarted:
        e = DriftEpisode{};
        e.instance_id = st.id;
        e.app_type = type;
        e.start = st.suspect_since;
        e.peak_at = sample.at;
        e.peak_score = r.score;
        e.threshold = threshold;
        e.direction = st.z.z;
        e.top_features = r.top_features;
        e.state = EpisodeState::kOpen;
        st.episode_opened_tick = st.ticks;
        r.events.push_back({EpisodeEventKind::kStarted, e, EpisodeEndReason::kNone});
        break;
      case DetectorStep::kOngoing:
        if (r.score > e.peak_score) {
          e.peak_at = sample.at;
          e.peak_score = r.score;
          e.threshold = threshold;
          e.direction = st.z.z;
          e.top_features = r.top_features;
          r.events.push_back({EpisodeEventKind::kUpdated, e, EpisodeEndReason::kNone});
        }
        break;
      case DetectorStep::kEnded:
        e.end = sample.at;
        e.state = EpisodeState::kClosed;
        r.events.push_back({EpisodeEventKind::kEnded, e, EpisodeEndReason::kReturned});
        break;
    }
  }
  bool rebaselined = false;
  if (st.detector.in_episode()) {
    r.episode_ticks = static_cast<std::int64_t>(st.ticks - st.episode_opened_tick);
    if (options_.rebaseline_after_ticks > 0 && r.episode_ticks >= options_.rebaseline_after_ticks) {
      rebaseline(st, sample.at);
      rebaselined = true;
      r.episode_ticks = 0;
    }
  }
  r.statistic = st.detector.statistic();
  r.in_episode = st.detector.in_episode();
  // The rebaselining window itself is not learned: the new baseline starts with the next.
  if (!rebaselined && !st.detector.suspect() && !st.detector.in_episode()) {
    // Scores between the threshold and the CUSUM's slack still calibrate the threshold (so
    // its quantile stays that of all in-control windows) but are not absorbed: otherwise a
    // slow drift that never reaches 1 + slack would be learned as it goes.
    learn_window(st, own, /*absorb=*/!r.scored || r.score <= r.threshold);
  }
  if (st.relearning && baselines_.trusted(own)) st.relearning = false;
  r.relearning = st.relearning;
  r.instance_baseline = baselines_.state(own);
  return r;
}

}  // namespace augur::drift
