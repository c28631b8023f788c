#pragma once
// Augur's metric families: names (final; documented in docs/metrics.md), help, types and
// labels. The daemon defines them once and sets them each tick by these names.
#include <string_view>
#include <vector>

#include "augur/metrics/registry.h"

namespace augur::metrics {

namespace names {
// The daemon's costs.
inline constexpr std::string_view kTickDuration = "augur_tick_duration_seconds";  // histogram
inline constexpr std::string_view kTicks = "augur_ticks_total";
inline constexpr std::string_view kMissedTicks = "augur_missed_ticks_total";
inline constexpr std::string_view kSampledThreads = "augur_sampled_threads";
inline constexpr std::string_view kOpenFds = "augur_open_fds";
inline constexpr std::string_view kPerfMultiplexRatio = "augur_perf_multiplex_ratio";
inline constexpr std::string_view kQueueDrops = "augur_queue_drops_total";  // {queue}
inline constexpr std::string_view kStageErrors = "augur_stage_errors_total";
inline constexpr std::string_view kSamplerNotices = "augur_sampler_notices_total";  // {severity}
// What it sees and does, per instance.
inline constexpr std::string_view kInstances = "augur_instances";
inline constexpr std::string_view kDriftScore = "augur_drift_score";          // {instance,app_type}
inline constexpr std::string_view kDriftThreshold = "augur_drift_threshold";  // {instance}
inline constexpr std::string_view kInEpisode = "augur_in_episode";            // {instance}
inline constexpr std::string_view kPredictedIncrease =
    "augur_predicted_increase";  // {instance,resource}
inline constexpr std::string_view kPredictionConfidence =
    "augur_prediction_confidence";                                   // {instance}
inline constexpr std::string_view kAllocation = "augur_allocation";  // {instance,resource}
inline constexpr std::string_view kChanges = "augur_changes_total";  // {instance,resource,outcome}
inline constexpr std::string_view kUndos = "augur_undos_total";
inline constexpr std::string_view kBreakerTrips = "augur_breaker_trips_total";
// Observe mode's self-score.
inline constexpr std::string_view kObservePrecision = "augur_observe_precision";
inline constexpr std::string_view kObserveRecall = "augur_observe_recall";
// The analyser's findings.
inline constexpr std::string_view kEpisodes = "augur_drift_episodes_total";
inline constexpr std::string_view kPredictions = "augur_predictions_total";  // {result}
inline constexpr std::string_view kContentionFindings = "augur_contention_findings_total";
// The fleet layer (store.backend postgresql).
inline constexpr std::string_view kFleetConnected = "augur_fleet_store_connected";
inline constexpr std::string_view kFleetOutbox = "augur_fleet_outbox_entries";
inline constexpr std::string_view kFleetSent = "augur_fleet_records_sent_total";
inline constexpr std::string_view kFleetPulled = "augur_fleet_records_pulled_total";
inline constexpr std::string_view kFleetSyncFailures = "augur_fleet_sync_failures_total";
inline constexpr std::string_view kBuildInfo = "augur_build_info";  // {version}, always 1
}  // namespace names

// Upper bounds of augur_tick_duration_seconds, in seconds.
inline constexpr double kTickDurationBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                  0.25,  0.5,    1,     2.5,  5,     10};

// Every family above, in the order of docs/metrics.md.
[[nodiscard]] const std::vector<FamilySpec>& augur_families();

// Defines every family in the registry and sets augur_build_info{version} to 1.
Status define_augur_families(MetricsRegistry& registry, std::string_view version);

}  // namespace augur::metrics
