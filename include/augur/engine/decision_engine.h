#pragma once
// The decision loop, one tick at a time: fingerprint and drift (drift::Analyzer), episode
// patterns and their self-labelled outcomes (predict::OutcomeLabeller), predictions from the
// pattern history (predict::Predictor), bounded plans (plan::Planner), and observe-mode
// scoring (plan::ObserveScorer). The daemon's analyser thread and augur-replay drive the
// same object, so replay measures exactly what the daemon decides.
//
// Per tick, for each Sample in input order:
//  1. the Analyzer scores it; the labeller sees it (labels patterns whose horizon ended);
//     labelled patterns join the predictor's history and are returned for the store;
//  2. on an episode start: a pattern is opened (make_pattern) and a prediction is made
//     from the history as it stands (query_for); the prediction applies until the episode
//     ends or the horizon passes. With refine_ticks > 0 the pattern is refined on each of
//     the episode's next refine_ticks ticks (direction: the mean of the ticks so far,
//     magnitude: their peak) and the prediction is made again from it; the pattern is
//     returned as opened once refined (or when its episode ends, or it is labelled, first).
//     Past the refinement the prediction follows the episode: on each further tick it is
//     made again from the mean of the episode's latest refine_ticks + 1 directions, and
//     replaces the one in force, until its horizon, when it names other neighbours on two
//     successive ticks;
//  3. then one planner pass over every sampled instance, and the scorer observes need and
//     allocation before it records the tick's would-be increases.
// An instance missing from a new instance list is forgotten by every part.
// No I/O, no logging, time only from TickInput: deterministic for a given input.
// Not thread-safe: one thread owns it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/core/decisions.h"
#include "augur/core/instance.h"
#include "augur/core/sample.h"
#include "augur/drift/analyzer.h"
#include "augur/plan/observe_scorer.h"
#include "augur/plan/planner.h"
#include "augur/predict/outcome_labeller.h"
#include "augur/predict/predictor.h"
#include "augur/util/result.h"

namespace augur::engine {

struct EngineOptions {
  std::string host_id;  // stamps pattern records
  drift::AnalyzerOptions analyzer;
  predict::LabellerOptions labeller;
  predict::PredictorOptions predictor;
  plan::PlannerOptions planner;
  Nanos horizon = std::chrono::seconds(1800);  // how long a prediction applies
  int refine_ticks = 0;                        // config predict.refine_ticks
};

// The options the daemon uses for a configuration.
EngineOptions engine_options(const config::Config& config, std::string host_id);

struct TickInput {
  SteadyTime at{};
  std::int64_t unix_ms = 0;  // wall time of `at`, for records and history age
  const std::vector<Sample>* samples = nullptr;
  // The instance list when it changed since the last tick (null: unchanged). Instances
  // gone from it are forgotten; their app_type and max_allocation are used.
  const std::vector<Instance>* instances = nullptr;
  ResourceVector host_capacity;     // NaN: unknown
  ResourceVector host_utilisation;  // 0..1; NaN: unknown
};

// What one Sample led to this tick.
struct InstanceReport {
  std::string instance_id;
  const drift::Analysis* analysis = nullptr;  // valid until the next tick
  std::optional<Prediction> prediction;       // in force this tick, if any
  bool prediction_new = false;  // made on this tick (episode start, refined or followed)
  // A new prediction's ticks into its episode (0: at the episode's start).
  int refined_ticks = 0;
  // Made after the refinement from the episode's latest ticks, because they matched other
  // past patterns than the prediction in force.
  bool followed = false;
  plan::InstanceDecision decision;
};

struct TickOutput {
  std::vector<InstanceReport> instances;   // in Sample order
  std::vector<predict::Pattern> opened;    // patterns opened this tick (unlabelled)
  std::vector<predict::Pattern> labelled;  // labelled this tick, now in the history
  std::vector<std::string> dropped;        // pattern ids that will never be labelled
  std::vector<plan::ContentionFinding> contention;
  std::vector<std::string> newly_frozen;
  plan::PlannerCounters planner_counters;
  // The plans with at least one change, for the actuator.
  std::vector<Plan> plans;
};

class DecisionEngine {
 public:
  explicit DecisionEngine(EngineOptions options);
  ~DecisionEngine();
  DecisionEngine(const DecisionEngine&) = delete;
  DecisionEngine& operator=(const DecisionEngine&) = delete;

  TickOutput tick(const TickInput& input);

  // Restores history at start: labelled patterns join the predictor, unlabelled ones
  // resume in the labeller (those that cannot are returned as errors, the rest load).
  std::vector<Error> restore_patterns(std::vector<predict::Pattern> patterns);

  // Reload: the plan section (bounds, steps, margins, windows). The planner keeps what it
  // learnt (cooldowns, peaks, pending checks); the next tick plans within the new bounds.
  void set_plan(const config::PlanSection& plan);
  [[nodiscard]] const config::PlanSection& plan() const { return options_.planner.plan; }

  [[nodiscard]] drift::Analyzer& analyzer() { return analyzer_; }
  [[nodiscard]] const drift::Analyzer& analyzer() const { return analyzer_; }
  [[nodiscard]] const predict::Predictor& predictor() const { return predictor_; }
  [[nodiscard]] const plan::ObserveScorer& scorer() const { return scorer_; }
  [[nodiscard]] const plan::Planner& planner() const { return planner_; }
  [[nodiscard]] std::size_t open_patterns() const { return labeller_.open_count(); }

 private:
  struct Known;  // per instance: type, max allocation, the prediction in force
  void refresh_instances(const std::vector<Instance>& now, std::vector<std::string>& dropped);
  Known& known_for(const std::string& id);
  void on_episode_start(const DriftEpisode& episode, const Sample& sample, const TickInput& input,
                        Known& known, TickOutput& out, InstanceReport& report);
  // Adds this tick to the episode's latest directions and peak; false when the feature
  // table changed under the episode.
  bool track(const drift::Analysis& a, Known& known);
  // One refinement of the instance's new episode (refine_ticks), and its prediction again.
  void refine(const TickInput& input, Known& known, TickOutput& out, InstanceReport& report);
  // Past its refinement, the prediction again from the episode's latest refine_ticks + 1
  // ticks; a new one only when it names other neighbours, the same on two successive ticks.
  void follow(const TickInput& input, Known& known, InstanceReport& report);
  // Ends a refinement, if any: the pattern as refined so far is returned as opened.
  void finish_refining(Known& known, TickOutput& out);

  EngineOptions options_;
  drift::Analyzer analyzer_;
  predict::OutcomeLabeller labeller_;
  predict::Predictor predictor_;
  plan::Planner planner_;
  plan::ObserveScorer scorer_;
  std::vector<std::unique_ptr<Known>> known_;  // sorted by id
  std::uint64_t pattern_sequence_ = 0;
  std::int64_t last_eviction_unix_ms_ = 0;
};

}  // namespace augur::engine
