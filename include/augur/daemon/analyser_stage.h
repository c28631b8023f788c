#pragma once
// The analyser thread's stage: the decision engine (drift, pattern labelling, prediction,
// planning, observe scoring) fed every SampleBatch, with its memory kept in the store:
// baselines restored at start and saved every `save_interval` and when the stage is
// destroyed, pattern history restored at start and appended as episodes start and are
// labelled, ended episodes recorded. Everything it decides is logged as structured
// journald records; the plans with changes go to the actuator.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "augur/config/config.h"
#include "augur/daemon/daemon_view.h"
#include "augur/daemon/pending_store_writes.h"
#include "augur/daemon/pipeline.h"
#include "augur/engine/decision_engine.h"
#include "augur/plan/observe_scorer.h"
#include "augur/store/store.h"

namespace augur::store {
class FleetStore;
}

namespace augur::daemon {

struct AnalyserStageOptions {
  Nanos save_interval = std::chrono::minutes(5);
  Nanos score_log_interval = std::chrono::minutes(15);  // observe-mode self-score in the log
  // With a fleet store: how often other hosts' labelled patterns are taken from the store's
  // cache into the predictor (0: config.store.cache_refresh when the backend is postgresql,
  // never otherwise).
  Nanos fleet_refresh_interval{0};
};

class DecisionAnalyserStage final : public AnalyserStage {
 public:
  // `store` may be null (no persistence: the daemon said why at start); `view` may be null
  // (nothing published, nothing paused).
  DecisionAnalyserStage(const config::Config& config, const Clock& clock,
                        std::shared_ptr<store::Store> store, AnalyserStageOptions options = {},
                        DaemonView* view = nullptr);
  ~DecisionAnalyserStage() override;

  std::vector<Plan> analyse(const SampleBatch& batch, Mode mode) override;

  // Saves every baseline now. Errors are returned, and logged by the caller.
  Status save_baselines();

  [[nodiscard]] const drift::Analyzer& analyzer() const { return engine_.analyzer(); }
  [[nodiscard]] const engine::DecisionEngine& engine() const { return engine_; }
  [[nodiscard]] std::size_t restored_baselines() const { return restored_; }
  [[nodiscard]] std::size_t restored_patterns() const { return restored_patterns_; }
  // Labelled patterns of other hosts added to the predictor since start (fleet store).
  [[nodiscard]] std::size_t fleet_patterns() const { return fleet_patterns_; }
  [[nodiscard]] const AnalyserSummary& summary() const { return summary_; }

 private:
  void restore_baselines();
  void restore_patterns();
  void refresh_fleet();
  void refresh_fleet_patterns();
  void apply_fleet_types(const std::vector<store::BaselineRecord>& records);
  void refresh_names(const std::vector<Instance>& now);
  // This host's stored form of baseline `b` under `key` ("type:web", "instance:<id>").
  [[nodiscard]] store::BaselineRecord baseline_record(std::string key, const drift::Baseline& b,
                                                      std::int64_t unix_ms) const;
  void report_episode(const drift::Analysis& a, const drift::EpisodeEvent& e);
  void report_prediction(const Prediction& p);
  void report_tick(const engine::TickOutput& out);
  void publish(const engine::TickOutput& out);
  void drop_paused(std::vector<Plan>& plans);
  void persist_patterns(const engine::TickOutput& out);
  [[nodiscard]] std::string name_of(const std::string& instance_id) const;

  const Clock& clock_;
  std::shared_ptr<store::Store> store_;  // shared with the actuator's audit trail
  AnalyserStageOptions options_;
  engine::DecisionEngine engine_;
  std::shared_ptr<const std::vector<Instance>> instances_;
  std::map<std::string, std::string> names_;
  // Instances classified as contention victims now, with the antagonists named so far.
  std::map<std::string, std::set<std::string>> contended_;
  SteadyTime last_save_{};
  SteadyTime last_score_log_{};
  SteadyTime last_fleet_refresh_{};
  PendingStoreWrites pending_{"analyser"};          // patterns, labels, episodes the store refused
  const store::FleetStore* fleet_store_ = nullptr;  // store_ when it is the fleet layer
  std::uint64_t fleet_generation_ = 0;              // the store's imported_generation() last read
  std::set<std::string> fleet_pattern_ids_;         // other hosts' patterns already in the history
  std::size_t fleet_patterns_ = 0;
  std::size_t fleet_contributions_ = 0;
  std::size_t restored_ = 0;
  std::size_t restored_patterns_ = 0;
  DaemonView* view_;
  AnalyserSummary summary_;
  std::uint64_t ticks_ = 0;
};

}  // namespace augur::daemon
