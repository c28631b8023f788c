#include "augur/engine/decision_engine.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include "augur/engine/instance_input.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/predict/pattern.h"

namespace augur::engine {

namespace {

// Age eviction scans the whole history; once an hour of record time is plenty.
constexpr std::int64_t kEvictionPeriodMs = 3'600'000;

}  // namespace

// An episode's latest ticks (EngineOptions::refine_ticks > 0), from which its prediction is
// made again. Over the first refine_ticks ticks its pattern is refined from them (they are
// then all of the episode's ticks); past that the prediction follows them: an episode that
// opens like one past pattern and turns into another (a service's ramp that starts with
// page faults) is predicted from the second once its latest ticks look like it. A new match
// replaces the prediction in force once it has held on two successive ticks: latest ticks
// about as near to two patterns would otherwise swap the prediction back and forth.
struct Following {
  std::string app_type;
  SteadyTime start{};
  int ticks = 0;                           // since the episode's start
  std::deque<std::vector<double>> recent;  // directions of its latest refine_ticks + 1 ticks
  double peak = 0;                         // of the episode's scores so far
  std::optional<Prediction> candidate;     // last tick's match, if not the one in force
};

struct DecisionEngine::Known {
  std::string id;
  std::string app_type;
  ResourceVector max_allocation;
  int priority = 0;
  std::optional<Prediction> prediction;
  SteadyTime prediction_until{};
  std::optional<Following> following;
  // The new episode's pattern while it is refined, as the labeller holds it.
  std::optional<predict::Pattern> refining;
};

namespace {

// The same past patterns, whatever their distances now.
bool same_neighbours(const Prediction& a, const Prediction& b) {
  if (a.available != b.available || a.neighbours.size() != b.neighbours.size()) return false;
  for (std::size_t i = 0; i < a.neighbours.size(); ++i) {
    if (a.neighbours[i].instance_id != b.neighbours[i].instance_id ||
        a.neighbours[i].recorded_unix_ms != b.neighbours[i].recorded_unix_ms) {
      return false;
    }
  }
  return true;
}

// The query for an episode's latest ticks: their mean direction and the episode's peak.
predict::PredictionQuery latest_ticks_query(const std::string& instance_id, const Following& f,
                                            const ResourceVector& host_utilisation) {
  predict::PredictionQuery q;
  q.instance_id = instance_id;
  q.app_type = f.app_type;
  q.at = f.start;
  q.delta.assign(f.recent.front().size(), 0.0);
  for (const std::vector<double>& d : f.recent) {
    for (std::size_t i = 0; i < d.size(); ++i) q.delta[i] += d[i];
  }
  for (double& v : q.delta) v /= static_cast<double>(f.recent.size());
  q.magnitude = f.peak;
  q.host_utilisation = host_utilisation;
  return q;
}

}  // namespace

EngineOptions engine_options(const config::Config& config, std::string host_id) {
  EngineOptions o;
  o.host_id = std::move(host_id);
  o.analyzer =
      drift::AnalyzerOptions{config.fingerprint, config.drift, config.drift.end_hold_ticks};
  o.labeller.horizon = config.predict.horizon;
  o.labeller.max_open = static_cast<std::size_t>(config.predict.history_max_patterns);
  o.predictor = predict::predictor_options(config.predict);
  o.planner.plan = config.plan;
  o.horizon = config.predict.horizon;
  o.refine_ticks = config.predict.refine_ticks;
  return o;
}

DecisionEngine::DecisionEngine(EngineOptions options)
    : options_(std::move(options)),
      analyzer_(options_.analyzer),
      labeller_(options_.labeller),
      predictor_(options_.predictor),
      planner_(options_.planner),
      scorer_(options_.horizon) {}

DecisionEngine::~DecisionEngine() = default;

void DecisionEngine::set_plan(const config::PlanSection& plan) {
  options_.planner.plan = plan;
  planner_.set_options(options_.planner);
}

std::vector<Error> DecisionEngine::restore_patterns(std::vector<predict::Pattern> patterns) {
  std::vector<Error> errors;
  // Oldest first, so eviction beyond the bound drops the oldest as it would have live.
  std::sort(patterns.begin(), patterns.end(),
            [](const predict::Pattern& a, const predict::Pattern& b) {
              return a.start_unix_ms < b.start_unix_ms ||
                     (a.start_unix_ms == b.start_unix_ms && a.id < b.id);
            });
  for (predict::Pattern& p : patterns) {
    const std::string id = p.id;
    Status s = p.labelled() ? predictor_.add(std::move(p)) : labeller_.open(std::move(p));
    if (!s) {
      Error e = s.error();
      e.where = e.where.empty() ? "pattern " + id : "pattern " + id + ": " + e.where;
      errors.push_back(std::move(e));
    }
  }
  return errors;
}

void DecisionEngine::refresh_instances(const std::vector<Instance>& now,
                                       std::vector<std::string>& dropped) {
  // Search first, move afterwards: known_ must stay sorted and whole while it is searched.
  constexpr std::size_t kNew = static_cast<std::size_t>(-1);
  std::vector<bool> kept(known_.size(), false);
  std::vector<std::pair<const Instance*, std::size_t>> listed;  // instance, index in known_
  listed.reserve(now.size());
  for (const Instance& i : now) {
    auto it = std::lower_bound(known_.begin(), known_.end(), i.id,
                               [](const auto& k, const std::string& id) { return k->id < id; });
    if (it != known_.end() && (*it)->id == i.id) {
      const auto index = static_cast<std::size_t>(it - known_.begin());
      if (kept[index]) continue;  // listed twice: the first entry wins
      kept[index] = true;
      listed.emplace_back(&i, index);
    } else {
      listed.emplace_back(&i, kNew);
    }
  }
  std::vector<std::unique_ptr<Known>> next;
  next.reserve(listed.size());
  for (const auto& [instance, index] : listed) {
    std::unique_ptr<Known> k;
    if (index != kNew) {
      k = std::move(known_[index]);
    } else {
      k = std::make_unique<Known>();
      k->id = instance->id;
    }
    k->app_type = instance->app_type;
    k->max_allocation = instance->max_allocation;
    analyzer_.set_app_type(instance->id, instance->app_type);
    next.push_back(std::move(k));
  }
  for (std::size_t index = 0; index < known_.size(); ++index) {
    if (kept[index]) continue;
    const Known& k = *known_[index];  // not moved: only kept entries were
    analyzer_.forget(k.id);
    for (std::string& id : labeller_.forget_instance(k.id)) dropped.push_back(std::move(id));
    planner_.forget(k.id);
    scorer_.forget(k.id);
  }
  std::sort(next.begin(), next.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  next.erase(std::unique(next.begin(), next.end(),
                         [](const auto& a, const auto& b) { return a->id == b->id; }),
             next.end());
  known_ = std::move(next);
}

DecisionEngine::Known& DecisionEngine::known_for(const std::string& id) {
  auto it = std::lower_bound(known_.begin(), known_.end(), id,
                             [](const auto& k, const std::string& key) { return k->id < key; });
  if (it != known_.end() && (*it)->id == id) return **it;
  // Sampled before any instance list named it: an instance of unknown type.
  auto k = std::make_unique<Known>();
  k->id = id;
  return **known_.insert(it, std::move(k));
}

void DecisionEngine::on_episode_start(const DriftEpisode& episode, const Sample& sample,
                                      const TickInput& input, Known& known, TickOutput& out,
                                      InstanceReport& report) {
  const std::string id = options_.host_id + "/" + sample.instance_id + "/" +
                         std::to_string(input.unix_ms) + "/" + std::to_string(++pattern_sequence_);
  auto pattern = predict::make_pattern(episode, fingerprint::kFeatureTableVersion, sample,
                                       input.host_utilisation, id, options_.host_id, input.unix_ms);
  finish_refining(known, out);  // an earlier episode's, if it is still refined
  if (pattern) {
    predict::Pattern copy = *pattern;
    if (labeller_.open(std::move(*pattern))) {
      if (options_.refine_ticks > 0) {
        known.refining = std::move(copy);
      } else {
        out.opened.push_back(std::move(copy));
      }
    }
  }
  known.prediction = predictor_.predict(predict::query_for(episode, input.host_utilisation));
  known.prediction_until = input.at + options_.horizon;
  report.prediction_new = true;
  if (options_.refine_ticks > 0) {
    known.following = Following{episode.app_type,    episode.start,      0,
                                {episode.direction}, episode.peak_score, std::nullopt};
  }
}

bool DecisionEngine::track(const drift::Analysis& a, Known& known) {
  Following& f = *known.following;
  if (a.episode_direction.size() != f.recent.front().size()) return false;
  ++f.ticks;
  f.recent.push_back(a.episode_direction);
  while (f.recent.size() > static_cast<std::size_t>(options_.refine_ticks) + 1) {
    f.recent.pop_front();
  }
  f.peak = std::max(f.peak, a.episode_score);
  return true;
}

void DecisionEngine::follow(const TickInput& input, Known& known, InstanceReport& report) {
  Following& f = *known.following;
  // The episode's prediction applies for one horizon from its start (the planner measures
  // its increase from the need it first saw): following replaces it within that time only.
  if (!known.prediction || input.at > known.prediction_until) return;
  Prediction p = predictor_.predict(latest_ticks_query(known.id, f, input.host_utilisation));
  // Only another match is a new prediction; the one in force is not dropped for latest
  // ticks that match nothing.
  if (!p.available || same_neighbours(*known.prediction, p)) {
    f.candidate.reset();
    return;
  }
  if (!f.candidate || !same_neighbours(*f.candidate, p)) {
    f.candidate = std::move(p);
    return;
  }
  f.candidate.reset();
  known.prediction = std::move(p);
  report.prediction_new = true;
  report.refined_ticks = f.ticks;
  report.followed = true;
}

void DecisionEngine::refine(const TickInput& input, Known& known, TickOutput& out,
                            InstanceReport& report) {
  const Following& f = *known.following;
  predict::PredictionQuery q = latest_ticks_query(known.id, f, input.host_utilisation);
  auto refined = labeller_.refine(known.refining->id, q.delta, f.peak);
  if (!refined) return finish_refining(known, out);  // keeps the pattern as it was
  *known.refining = std::move(*refined);
  known.prediction = predictor_.predict(q);
  report.prediction_new = true;
  report.refined_ticks = f.ticks;
  if (f.ticks >= options_.refine_ticks) finish_refining(known, out);
}

void DecisionEngine::finish_refining(Known& known, TickOutput& out) {
  if (!known.refining) return;
  out.opened.push_back(std::move(*known.refining));
  known.refining.reset();
}

TickOutput DecisionEngine::tick(const TickInput& input) {
  TickOutput out;
  if (input.instances) refresh_instances(*input.instances, out.dropped);
  static const std::vector<Sample> kNone;
  const std::vector<Sample>& samples = input.samples ? *input.samples : kNone;

  plan::HostInput host;
  host.at = input.at;
  host.capacity = input.host_capacity;
  host.utilisation = input.host_utilisation;
  host.instances.reserve(samples.size());
  out.instances.reserve(samples.size());

  for (const Sample& s : samples) {
    Known& known = known_for(s.instance_id);
    const drift::Analysis& a = analyzer_.analyze(s);
    predict::LabelEvents labels = labeller_.observe(s, input.unix_ms);
    for (predict::Pattern& p : labels.labelled) {
      // Labelled before its refinement ended (a horizon shorter than it): opened as it is.
      if (known.refining && known.refining->id == p.id) {
        *known.refining = p;
        finish_refining(known, out);
      }
      predict::Pattern copy = p;
      if (predictor_.add(std::move(p))) out.labelled.push_back(std::move(copy));
    }
    for (std::string& id : labels.dropped) out.dropped.push_back(std::move(id));

    InstanceReport report;
    report.instance_id = s.instance_id;
    report.analysis = &a;
    bool started = false;
    for (const drift::EpisodeEvent& e : a.events) {
      if (e.kind == drift::EpisodeEventKind::kStarted) {
        on_episode_start(e.episode, s, input, known, out, report);
        started = true;
      } else if (e.kind == drift::EpisodeEventKind::kEnded) {
        finish_refining(known, out);
        known.following.reset();
        known.prediction.reset();
      }
    }
    if (!started && !a.in_episode) {
      finish_refining(known, out);
      known.following.reset();
    }
    // An empty direction: a window with nothing present.
    if (!started && a.in_episode && !a.episode_direction.empty() && known.following) {
      if (!track(a, known)) {  // the feature table changed under the episode
        finish_refining(known, out);
        known.following.reset();
      } else if (known.refining) {
        refine(input, known, out, report);  // the prediction from the same ticks
      } else {
        follow(input, known, report);
      }
    }
    if (known.prediction && input.at > known.prediction_until) known.prediction.reset();
    report.prediction = known.prediction;

    plan::InstanceInput in = instance_input(s);
    in.priority = known.priority;
    in.max_allocation = known.max_allocation;
    if (known.prediction && known.prediction->available) in.prediction = known.prediction;
    scorer_.observe(in.instance_id, input.at, in.need, in.allocation);
    host.instances.push_back(std::move(in));
    out.instances.push_back(std::move(report));
  }

  plan::PlanResult result = planner_.plan(host);
  for (std::size_t i = 0; i < result.decisions.size() && i < out.instances.size(); ++i) {
    plan::InstanceDecision& d = result.decisions[i];
    if (!d.plan.changes.empty()) {
      const InstanceReport& r = out.instances[i];
      if (r.analysis->scored) {
        d.plan.drift_score = r.analysis->score;
        d.plan.drift_threshold = r.analysis->threshold;
      }
      d.plan.top_features = r.analysis->top_features;
      d.plan.prediction = r.prediction;
      scorer_.record_plan(d.plan);
      out.plans.push_back(d.plan);
    }
    out.instances[i].decision = std::move(d);
  }
  out.contention = std::move(result.contention);
  out.newly_frozen = std::move(result.newly_frozen);
  out.planner_counters = result.counters;
  scorer_.advance(input.at);

  for (std::string& id : labeller_.drop_stale(input.at)) out.dropped.push_back(std::move(id));
  if (input.unix_ms - last_eviction_unix_ms_ >= kEvictionPeriodMs) {
    last_eviction_unix_ms_ = input.unix_ms;
    predictor_.evict_older_than(input.unix_ms);
  }
  return out;
}

}  // namespace augur::engine
