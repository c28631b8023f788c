#include "augur/metrics/augur_families.h"

#include <iterator>

namespace augur::metrics {

namespace {

FamilySpec family(std::string_view name, MetricType type, std::vector<std::string> labels,
                  std::string help) {
  return FamilySpec{std::string(name), std::move(help), type, std::move(labels), {}};
}

std::vector<FamilySpec> make_families() {
  using enum MetricType;
  FamilySpec tick = family(names::kTickDuration, kHistogram, {},
                           "Time one sampling tick took, from its start until its samples "
                           "were handed on.");
  tick.buckets.assign(std::begin(kTickDurationBuckets), std::end(kTickDurationBuckets));
  return {
      tick,
      family(names::kTicks, kCounter, {}, "Sampling ticks run since the daemon started."),
      family(names::kMissedTicks, kCounter, {},
             "Sampling ticks skipped because the previous tick overran its interval."),
      family(names::kSampledThreads, kGauge, {},
             "Threads whose perf counters were read in the last tick."),
      family(names::kOpenFds, kGauge, {}, "File descriptors the daemon holds open."),
      family(names::kPerfMultiplexRatio, kGauge, {},
             "Mean share of time the perf counters were on the PMU in the last tick "
             "(time_running / time_enabled); 1 means no multiplexing."),
      family(names::kQueueDrops, kCounter, {"queue"},
             "Items dropped because a hand-off queue between threads was full."),
      family(names::kStageErrors, kCounter, {}, "Errors reported by the pipeline's stages."),
      family(names::kSamplerNotices, kCounter, {"severity"},
             "Discovery's and the sampler's warnings and errors (vanished threads, unreadable "
             "files, a source down), counted before the log's rate limit."),
      family(names::kInstances, kGauge, {}, "VMs, containers and processes being watched."),
      family(names::kDriftScore, kGauge, {"instance", "app_type"},
             "Distance of the instance's latest fingerprint from its baseline."),
      family(names::kDriftThreshold, kGauge, {"instance"},
             "Drift score above which a window counts as drifting, from the baseline."),
      family(names::kInEpisode, kGauge, {"instance"},
             "1 while the instance is in a drift episode, else 0."),
      family(names::kPredictedIncrease, kGauge, {"instance", "resource"},
             "Predicted increase in need over the horizon: cores, bytes or bytes per second."),
      family(names::kPredictionConfidence, kGauge, {"instance"},
             "Confidence of the instance's current prediction, 0 to 1."),
      family(names::kAllocation, kGauge, {"instance", "resource"},
             "Current allocation: cores, bytes or bytes per second."),
      family(names::kChanges, kCounter, {"instance", "resource", "outcome"},
             "Allocation changes decided, by outcome."),
      family(names::kUndos, kCounter, {}, "Changes undone because they made things worse."),
      family(names::kBreakerTrips, kCounter, {},
             "Times the flip breaker froze an instance's allocation."),
      family(names::kObservePrecision, kGauge, {},
             "Observe mode's self-score: share of predicted rises that came, 0 to 1."),
      family(names::kObserveRecall, kGauge, {},
             "Observe mode's self-score: share of rises that were predicted, 0 to 1."),
      family(names::kEpisodes, kCounter, {}, "Drift episodes started since the daemon started."),
      family(names::kPredictions, kCounter, {"result"},
             "Predictions at episode starts: made, or unavailable (too few neighbours)."),
      family(names::kContentionFindings, kCounter, {},
             "Times an instance was found starved by others (contention, not demand)."),
      family(names::kFleetConnected, kGauge, {},
             "1 while the shared fleet store takes writes, else 0 (fleet layer only)."),
      family(names::kFleetOutbox, kGauge, {},
             "Writes queued in the local outbox for the shared fleet store."),
      family(names::kFleetSent, kCounter, {},
             "Queued writes the shared fleet store accepted since the daemon started."),
      family(names::kFleetPulled, kCounter, {},
             "Other hosts' records imported from the shared fleet store."),
      family(names::kFleetSyncFailures, kCounter, {},
             "Sync passes with the shared fleet store that failed."),
      family(names::kBuildInfo, kGauge, {"version"}, "Always 1; the labels say which build runs."),
  };
}

}  // namespace

const std::vector<FamilySpec>& augur_families() {
  static const std::vector<FamilySpec> families = make_families();
  return families;
}

Status define_augur_families(MetricsRegistry& registry, std::string_view version) {
  for (const FamilySpec& spec : augur_families()) {
    if (Status s = registry.define(spec); !s) return s;
  }
  return registry.set_gauge(names::kBuildInfo, {{"version", std::string(version)}}, 1);
}

}  // namespace augur::metrics
