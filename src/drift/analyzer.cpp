#include "augur/drift/analyzer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "augur/drift/distance.h"
#include "augur/drift/type_assignment.h"
#include "augur/fingerprint/fingerprint_builder.h"
#include "feature_constants.h"

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
  Standardized z_own;            // against the instance's baseline, every tick
  Standardized z_type;           // against its type's, every tick the type has a baseline
  Standardized z_other;          // scratch for type matching
  // The slow channel: EWMA of z_own and of z_type (not persisted: a restart starts at 0,
  // which can only delay a slow alarm).
  std::vector<double> slow_own = std::vector<double>(fingerprint::kFeatureCount, 0.0);
  std::vector<double> slow_type = std::vector<double>(fingerprint::kFeatureCount, 0.0);
  Standardized slow;            // the judging slow vector with its compared mask, for top features
  double own_fast = 0;          // this tick's fast score against the instance's baseline
  double type_fast = 0;         // ... and against its type's (when z_type.count > 0)
  bool type_slow_live = false;  // slow_type was kept up last tick
  const Baseline* z_type_of = nullptr;  // what z_type was computed against this tick
};

namespace {

bool use_mahalanobis(const AnalyzerOptions& o) {
  return o.drift.distance == config::DistanceKind::kMahalanobis;
}

double slow_alpha(const AnalyzerOptions& o, std::size_t window_ticks) {
  const double tau = o.slow_time_constant_windows * static_cast<double>(window_ticks);
  return tau > 0 ? 1.0 / std::max(1.0, tau) : 0.0;
}

// The slow channel's calibration sample: the in-control scores from where calibration starts
// (half the trust count) to trust, and at least kSlowCalibrationTimeConstants time constants:
// consecutive slow scores are alike over a time constant, so fewer would hold only a few
// independent values.
std::uint64_t slow_calibration_scores(const AnalyzerOptions& o, std::size_t window_ticks,
                                      std::uint64_t trust_fingerprints) {
  const double tau = o.slow_time_constant_windows * static_cast<double>(window_ticks);
  const auto span = static_cast<std::uint64_t>(std::ceil(kSlowCalibrationTimeConstants * tau));
  return std::max({trust_fingerprints / 2, span, kMinCalibrationScores});
}

double fast_score(const Standardized& z, const Baseline& b, const AnalyzerOptions& o,
                  MahalanobisScorer& scorer) {
  return use_mahalanobis(o) ? scorer.score(z, b, o.drift.scale_floor) : euclidean_score(z);
}

// One slow-channel step. Only windows the fast channel judges within its threshold (or that
// no calibrated threshold judges yet) enter: what the fast channel already flags is its
// business, and a burst it flagged must not hold the slow channel up for a time constant.
// A feature not compared this window counts as z = 0: its memory fades.
void update_slow(std::vector<double>& slow, const Standardized& z, double alpha) {
  for (std::size_t i = 0; i < slow.size(); ++i) {
    slow[i] += alpha * ((z.compared[i] ? z.z[i] : 0.0) - slow[i]);
  }
}

// The slow score: the largest |EWMA z| over the compared features. A maximum, not an RMS:
// a persistent shift in a few features is what the slow channel is for, and an RMS over ~20
// or 50 features would dilute it by their square root. Masked features do not count, so it
// too is the same whatever else is masked.
double slow_score(const std::vector<double>& slow, const Standardized& z) {
  double largest = 0;
  for (std::size_t i = 0; i < slow.size(); ++i) {
    if (z.compared[i]) largest = std::max(largest, std::abs(slow[i]));
  }
  return largest;
}

// Analysis::z and ::baseline_mean: the judging baseline's means back in each feature's own
// unit (log-space features are modelled as log(x + floor)).
void describe_against(const Baseline& b, const Standardized& z, Analysis& r) {
  const auto& c = detail::feature_constants();
  r.z.assign(z.z.begin(), z.z.end());
  r.baseline_mean.resize(z.z.size());
  for (std::size_t i = 0; i < z.z.size(); ++i) {
    const double m = b.features[i].mean;
    r.baseline_mean[i] = !z.compared[i] ? std::nan("")
                         : c.in_log[i]  ? std::exp(m) - c.min_scale[i]
                                        : m;
  }
}

void clear(std::vector<double>& v) {
  std::fill(v.begin(), v.end(), 0.0);
}

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options)
    : options_(options),
      window_ticks_(static_cast<std::size_t>(std::max(1, options.fingerprint.window_ticks))),
      baselines_(static_cast<std::uint64_t>(std::max(1, options.drift.min_baseline_windows)),
                 window_ticks_, use_mahalanobis(options)),
      slow_alpha_(slow_alpha(options, window_ticks_)),
      slow_calibration_scores_(
          slow_calibration_scores(options, window_ticks_, baselines_.trust_fingerprints())) {}

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
  clear(st.slow_type);
}

void Analyzer::forget(std::string_view instance_id) {
  auto it = instances_.find(instance_id);
  if (it != instances_.end()) instances_.erase(it);
}

void Analyzer::maybe_assign_type(InstanceState& st) {
  const auto match =
      nearest_type(st.result.fingerprint, baselines_, options_.drift.threshold_quantile,
                   options_.drift.scale_floor, st.z_other);
  if (!match || !match->fits) return;
  st.inferred_type = match->app_type;
  st.type_confidence = match->confidence;
  clear(st.slow_type);
  const Baseline* own = baselines_.find_instance(st.id);
  if (own != nullptr && baselines_.trusted(*own)) return;
  Baseline seeded =
      seed_from(*baselines_.find_type(st.inferred_type), baselines_.trust_fingerprints());
  if (own != nullptr) merge_into(seeded, *own);
  baselines_.put_instance(st.id, std::move(seeded));
  clear(st.slow_own);
}

std::string_view end_reason_name(EpisodeEndReason reason) {
  switch (reason) {
    case EpisodeEndReason::kNone: return "";
    case EpisodeEndReason::kReturned: return "returned";
    case EpisodeEndReason::kRebaselined: return "rebaselined";
  }
  return "";
}

void Analyzer::calibrate(Baseline& b, double fast, const std::vector<double>* slow,
                         const Standardized& z) const {
  b.scores.add(fast);
  // The slow channel's threshold is the quantile of a fixed sample: its first in-control
  // scores. A slow score rises over a time constant, through the band between the
  // threshold and the rule's slack, so a calibration that went on would follow a gradual
  // drift up (measured on Bitbrains VM 1: 0.46 to 1.25 in ten August days) before the rule
  // could fire.
  if (slow != nullptr && b.slow_scores.total() < slow_calibration_scores_) {
    b.slow_scores.add(slow_score(*slow, z));
  }
}

bool Analyzer::type_sample_open(const InstanceState& st) const {
  if (st.declared_type.empty() || st.relearning) return false;  // it does not calibrate
  const auto it = baselines_.types().find(st.declared_type);    // this host's own
  return it == baselines_.types().end() ||
         it->second.slow_scores.total() < slow_calibration_scores_;
}

void Analyzer::learn_window(InstanceState& st, Baseline& own, bool absorb) {
  const std::vector<bool>& present = st.result.fingerprint.present;
  const std::uint64_t calibrate_from = baselines_.trust_fingerprints() / 2;
  if (own.fingerprints >= calibrate_from && st.z_own.count > 0) {
    calibrate(own, st.own_fast, slow_alpha_ > 0 ? &st.slow_own : nullptr, st.z_own);
  }
  if (absorb) learn_modelled(own, st.modelled, present);
  // A relearning instance has left its type: its windows do not teach (or calibrate) it.
  if (!st.declared_type.empty() && !st.relearning) {
    Baseline& type = baselines_.type(st.declared_type);
    // The type's slow vector only when kept up this tick.
    const std::vector<double>* type_slow = st.type_slow_live ? &st.slow_type : nullptr;
    if (type.fingerprints >= calibrate_from) {
      if (st.z_type_of == &type) {  // z_type and type_fast are this tick's against it
        if (st.z_type.count > 0) calibrate(type, st.type_fast, type_slow, st.z_type);
      } else {
        // The type judges through a fleet view (baseline_set.h); this host's own
        // contribution is calibrated against itself, its slow sample from the slow vector
        // against the view (the one kept).
        standardize_modelled(st.modelled, present, type, options_.drift.scale_floor, st.z_other);
        if (st.z_other.count > 0) {
          calibrate(type, fast_score(st.z_other, type, options_, st.type_scorer), type_slow,
                    st.z_other);
        }
      }
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
  clear(st.slow_own);
  st.relearning = true;
}

const Analysis& Analyzer::analyze(const Sample& sample) {
  InstanceState& st = state_for(sample.instance_id);
  Analysis& r = st.result;
  r.events.clear();
  r.top_features.clear();
  r.z.clear();
  r.baseline_mean.clear();
  r.scored = false;
  r.score = 0;
  r.threshold = 0;
  r.slow_score = 0;
  r.slow_threshold = 0;
  r.learned = false;
  r.scope = BaselineScope::kNone;
  r.episode_ticks = 0;
  r.episode_direction.clear();
  r.episode_score = 0;

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

  // Every tick, against the instance's baseline and (when it has one) its type's: z, the
  // fast score and its calibrated threshold, and the slow channel's step. Each baseline is
  // calibrated from its own, and the slow channel integrates each whether it judges or not.
  const std::vector<bool>& present = r.fingerprint.present;
  const double q = options_.drift.threshold_quantile;
  const bool slow_on = slow_alpha_ > 0;
  // (A fast score is needed from where calibration starts: judging, calibrating, gating.)
  const std::uint64_t calibrate_from = baselines_.trust_fingerprints() / 2;
  standardize_modelled(st.modelled, present, own, options_.drift.scale_floor, st.z_own);
  st.own_fast =
      own.fingerprints >= calibrate_from ? fast_score(st.z_own, own, options_, st.own_scorer) : 0.0;
  const double own_threshold = calibrated_threshold(own, q);
  if (slow_on && !(own_threshold > 0 && st.own_fast > own_threshold)) {
    update_slow(st.slow_own, st.z_own, slow_alpha_);
  }
  const Baseline* type_baseline =
      type.empty() || st.relearning ? nullptr : baselines_.find_type(type);
  double type_threshold = 0;
  st.z_type.count = 0;
  st.z_type_of = type_baseline;
  if (type_baseline != nullptr) {
    standardize_modelled(st.modelled, present, *type_baseline, options_.drift.scale_floor,
                         st.z_type);
    st.type_fast = type_baseline->fingerprints >= calibrate_from
                       ? fast_score(st.z_type, *type_baseline, options_, st.type_scorer)
                       : 0.0;
    // The type's slow vector serves only to judge an instance whose own baseline is not
    // trusted and to fill the type's slow calibration sample; otherwise it is not kept up
    // (and restarts from 0 should it be needed again).
    const bool type_slow = slow_on && (!baselines_.trusted(own) || type_sample_open(st));
    if (type_slow || !baselines_.trusted(own)) {
      type_threshold = calibrated_threshold(*type_baseline, q);
    }
    if (type_slow && !st.type_slow_live) clear(st.slow_type);
    if (type_slow && !(type_threshold > 0 && st.type_fast > type_threshold)) {
      update_slow(st.slow_type, st.z_type, slow_alpha_);
    }
    st.type_slow_live = type_slow;
  } else {
    st.type_slow_live = false;
  }

  const Baseline* judge = nullptr;
  const Standardized* z = nullptr;
  const std::vector<double>* slow = nullptr;
  double threshold = 0;
  if (baselines_.trusted(own)) {
    judge = &own;
    z = &st.z_own;
    slow = &st.slow_own;
    r.score = st.own_fast;
    threshold = own_threshold;
    r.scope = BaselineScope::kInstance;
  } else if (type_baseline != nullptr && baselines_.trusted(*type_baseline)) {
    judge = type_baseline;
    z = &st.z_type;
    slow = &st.slow_type;
    r.score = st.type_fast;
    threshold = type_threshold;
    r.scope = BaselineScope::kType;
  }
  if (threshold > 0) {
    r.threshold = threshold;
    r.scored = z->count > 0;
    if (r.scored) describe_against(*judge, *z, r);
    // The slow channel judges once its calibration sample is complete.
    if (slow_on && judge->slow_scores.total() >= slow_calibration_scores_) {
      r.slow_threshold = calibrated_slow_threshold(*judge, q);
      r.slow_score = slow_score(*slow, *z);
    }
  } else {
    r.score = 0;
    r.scope = BaselineScope::kNone;
  }
  if (r.scored) {
    // One rule over both channels: the larger ratio goes through the CUSUM (or k-of-n), so
    // an episode starts when either channel's exceedance is sustained.
    const double fast_ratio = r.score / threshold;
    const double slow_ratio = r.slow_threshold > 0 ? r.slow_score / r.slow_threshold : 0.0;
    const bool slow_leads = slow_ratio > fast_ratio;
    const Standardized* direction = z;
    if (slow_leads) {
      std::copy(slow->begin(), slow->end(), st.slow.z.begin());
      st.slow.compared = z->compared;
      st.slow.count = z->count;
      direction = &st.slow;
    }
    top_features(*direction, options_.top_features, r.top_features);
    const double ratio = std::max(fast_ratio, slow_ratio);
    // The episode's score and threshold are the leading channel's, so peak / threshold is
    // the ratio the rule saw.
    const double lead_score = slow_leads ? r.slow_score : r.score;
    const double lead_threshold = slow_leads ? r.slow_threshold : threshold;
    const bool was_suspect = st.detector.suspect() || st.detector.in_episode();
    const DetectorStep step = st.detector.step(ratio);
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
        e.peak_score = lead_score;
        e.threshold = lead_threshold;
        e.direction = direction->z;
        e.top_features = r.top_features;
        e.state = EpisodeState::kOpen;
        st.episode_opened_tick = st.ticks;
        r.events.push_back({EpisodeEventKind::kStarted, e, EpisodeEndReason::kNone});
        break;
      case DetectorStep::kOngoing:
        if (ratio > e.peak_score / e.threshold) {
          e.peak_at = sample.at;
          e.peak_score = lead_score;
          e.threshold = lead_threshold;
          e.direction = direction->z;
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
    if (st.detector.in_episode()) {
      r.episode_direction.assign(direction->z.begin(), direction->z.end());
      r.episode_score = lead_score;
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
    // Scores between a threshold and the CUSUM's slack still calibrate (so the quantiles
    // stay those of all in-control windows) but are not absorbed: otherwise a slow drift
    // that never reaches 1 + slack would be learned as it goes.
    const bool within = !r.scored || (r.score <= r.threshold && r.slow_score <= r.slow_threshold);
    learn_window(st, own, /*absorb=*/within);
  }
  if (st.relearning && baselines_.trusted(own)) st.relearning = false;
  r.relearning = st.relearning;
  r.instance_baseline = baselines_.state(own);
  return r;
}

}  // namespace augur::drift
