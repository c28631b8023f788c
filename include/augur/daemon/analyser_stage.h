#pragma once
// The analyser thread's stage: the decision engine (drift, pattern labelling, prediction,
// planning, observe scoring) fed every SampleBatch, with its memory kept in the store:
// baselines restored at start and saved every `save_interval` and when the stage is
// destroyed, pattern history restored at start and appended as episodes start and are
// labelled, ended episodes recorded. Everything it decides is logged as structured
// journald records; the plans with changes go to the actuator.
//
// Retention (config.store.retention): `retention_first` after start, then every
// `retention_interval`, the stage saves every baseline it holds (so each live instance's row
// is stamped now) and then deletes this host's instance baselines not updated for
// store.retention.instance_baselines (instances gone that long) and baselines of other
// feature-table versions not updated for store.retention.stale_versions. A baseline restored
// at start is re-saved only once its instance is seen (in an instance list or a sample), so a
// restart does not make every vanished instance's row look fresh again.
#include <cstdint>
#include <functional>
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
#include "augur/util/bounded_queue.h"

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
  // The first retention pass, after discovery has had time to report the instances running
  // at start (their rows are then re-saved, never pruned), and the time between passes.
  Nanos retention_first = std::chrono::minutes(10);
  Nanos retention_interval = std::chrono::hours(1);
  // Wall time in unix ms for the records written and the retention cutoffs (tests derive it
  // from their clock); empty: the system clock.
  std::function<std::int64_t()> unix_ms{};
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
  void set_plan(const config::PlanSection& plan) override;

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
  // Every baseline held, stamped `unix_ms`, but those restored and not seen since.
  Status save_baselines_at(std::int64_t unix_ms);
  void run_retention();
  void mark_seen(const std::string& instance_id);
  [[nodiscard]] std::int64_t unix_ms() const;
  [[nodiscard]] std::int64_t unix_ms_at(SteadyTime t) const;
  void refresh_fleet();
  void refresh_fleet_patterns();
  void apply_fleet_types(const std::vector<store::BaselineRecord>& records);
  void refresh_names(const std::vector<Instance>& now);
  // This host's stored form of baseline `b` under `key` ("type:web", "instance:<id>").
  [[nodiscard]] store::BaselineRecord baseline_record(std::string key, const drift::Baseline& b,
                                                      std::int64_t unix_ms) const;
  void report_episode(const drift::Analysis& a, const drift::EpisodeEvent& e);
  // refined_ticks: 0 for an episode's first prediction, n when made again n ticks in;
  // followed: made from the episode's latest ticks after its refinement.
  void report_prediction(const Prediction& p, int refined_ticks, bool followed);
  void report_tick(const engine::TickOutput& out);
  void publish(const engine::TickOutput& out);
  void drop_paused(std::vector<Plan>& plans);
  void persist_patterns(const engine::TickOutput& out);
  [[nodiscard]] std::string name_of(const std::string& instance_id) const;

  const Clock& clock_;
  // A reload's plan section, from the main thread; one slot: a later reload replaces it.
  BoundedQueue<config::PlanSection> reloaded_plan_{1};
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
  config::RetentionSection retention_;
  SteadyTime next_retention_{};
  bool retention_failing_ = false;  // the store refused a prune: said once, until one works
  // Instances whose baseline was restored at start and that have not been seen since: their
  // stored row is what memory holds, so it is not saved again (that would only re-stamp it).
  std::set<std::string> restored_unseen_;
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
