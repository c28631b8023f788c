#pragma once
// What the control socket and the metrics endpoint may read of the running daemon: a copy
// published by the analyser and actuator threads, read by others. Each accessor returns a
// copy under a mutex, so no reader ever sees a half-written tick. Pause state lives here
// too: the control thread sets it, the analyser thread honours it.
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/resource.h"
#include "augur/plan/observe_scorer.h"

namespace augur::daemon {

// The fleet layer's sync state (store.backend postgresql), as of the last tick.
struct FleetSyncSummary {
  bool connected = false;
  std::uint64_t outbox = 0;    // writes queued for the shared store
  std::uint64_t sent = 0;      // queued writes the shared store accepted since start
  std::uint64_t pulled = 0;    // other hosts' records imported since start
  std::uint64_t failures = 0;  // sync passes that failed since start
  std::int64_t last_refresh_unix_ms = 0;
  std::string last_error;  // empty while connected
};

// Counters of the analyser since start.
struct AnalyserSummary {
  std::size_t instances = 0;
  std::size_t in_episode = 0;
  std::size_t history_patterns = 0;
  std::size_t open_patterns = 0;
  std::uint64_t episodes_started = 0;
  std::uint64_t predictions = 0;
  std::uint64_t predictions_unavailable = 0;
  std::uint64_t planned_changes = 0;
  std::uint64_t contention_findings = 0;
  std::uint64_t breaker_trips = 0;
  plan::ObserveScore observe;
  std::optional<FleetSyncSummary> fleet;  // none without a fleet store
};

struct FeatureView {
  std::string name;
  double z = 0;  // standardized difference from the baseline
};

struct ChangeView {
  std::int64_t unix_ms = 0;
  std::string instance_id;
  std::string instance;
  std::string resource;
  double old_value = 0;
  double new_value = 0;
  double read_back = kUnknown;
  std::string reason;
  std::string clamp;
  std::string outcome;
  std::string mode;
  std::string error;
};

struct EpisodeView {
  std::string instance_id;
  std::string instance;
  std::string event;  // "started", "ended"
  std::int64_t unix_ms = 0;
  double score = 0;
  double peak_score = 0;
  std::string top_features;
};

struct InstanceView {
  std::string id;
  std::string name;
  std::string app_type;
  bool type_inferred = false;
  double type_confidence = 0;
  std::string baseline;  // "none", "learning", "trusted"
  double baseline_windows = 0;
  bool scored = false;
  double score = kUnknown;
  double threshold = kUnknown;
  bool in_episode = false;
  std::vector<FeatureView> top_features;
  // The whole fingerprint in feature-table order (NaN where masked) and, when scored, each
  // feature's baseline mean and z (drift::Analysis::z, ::baseline_mean; empty otherwise).
  std::vector<double> feature_values;
  std::vector<double> feature_baseline;
  std::vector<double> feature_z;
  std::optional<Prediction> prediction;
  ResourceVector allocation;
  ResourceVector need;
  ResourceVector target;
  std::vector<Change> planned;  // this tick's changes, if any
  bool contention = false;
  bool frozen = false;
  bool paused = false;
};

struct BaselineView {
  std::string scope;  // "type" or "instance"
  std::string key;
  std::uint64_t fingerprints = 0;
  double windows = 0;
  bool trusted = false;
  double threshold = 0;
};

class DaemonView {
 public:
  static constexpr std::size_t kMaxHistory = 512;

  void publish(std::vector<InstanceView> instances, const AnalyserSummary& summary);
  void publish_baselines(std::vector<BaselineView> baselines);
  void record_change(ChangeView change);
  void record_episode(EpisodeView episode);

  [[nodiscard]] std::vector<InstanceView> instances() const;
  [[nodiscard]] std::optional<InstanceView> instance(const std::string& id_or_name) const;
  [[nodiscard]] AnalyserSummary summary() const;
  [[nodiscard]] std::vector<BaselineView> baselines() const;
  [[nodiscard]] std::vector<ChangeView> changes() const;  // oldest first
  [[nodiscard]] std::vector<EpisodeView> episodes() const;
  [[nodiscard]] bool published() const;

  // Pause: the analyser keeps watching a paused instance but sends none of its changes.
  void set_paused(const std::string& instance_id, bool paused);
  [[nodiscard]] bool paused(const std::string& instance_id) const;

 private:
  mutable std::mutex mutex_;
  bool published_ = false;
  std::vector<InstanceView> instances_;
  AnalyserSummary summary_;
  std::vector<BaselineView> baselines_;
  std::deque<ChangeView> changes_;
  std::deque<EpisodeView> episodes_;
  std::set<std::string> paused_;
};

}  // namespace augur::daemon
