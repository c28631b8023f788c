#include "metrics_publisher.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <system_error>

#include "augur/core/resource.h"
#include "augur/metrics/augur_families.h"

namespace augur::daemon {

namespace names = metrics::names;

namespace {

bool same_change(const ChangeView& a, const ChangeView& b) {
  // read_back is left out: NaN (not read) never equals itself.
  return a.unix_ms == b.unix_ms && a.instance_id == b.instance_id && a.resource == b.resource &&
         a.outcome == b.outcome && a.old_value == b.old_value && a.new_value == b.new_value &&
         a.reason == b.reason && a.mode == b.mode && a.error == b.error;
}

// An undo the daemon carried out or would have: not one that was refused or failed.
bool counts_as_undo(const ChangeView& c) {
  return c.reason == "undo" &&
         (c.outcome == "applied" || c.outcome == "would-apply" || c.outcome == "advised");
}

double as_double(std::uint64_t n) {
  return static_cast<double>(n);
}

}  // namespace

void MeteredSamplerStage::sample(SteadyTime now, SampleBatch& batch) {
  const SteadyTime started = clock_.now();
  inner_.sample(now, batch);
  const double seconds = std::chrono::duration<double>(clock_.now() - started).count();
  // The registry's errors can only be undefined families: the daemon defines them first.
  (void)registry_.observe(names::kTickDuration, {}, seconds);

  std::size_t threads = 0;
  double multiplex_sum = 0;
  std::size_t multiplexed = 0;
  for (const Sample& s : batch.samples) {
    threads += s.vcpu_utilisation.size();
    if (std::isfinite(s.multiplex_ratio)) {
      multiplex_sum += s.multiplex_ratio;
      ++multiplexed;
    }
  }
  (void)registry_.set_gauge(names::kSampledThreads, {}, static_cast<double>(threads));
  // Adding zero too: both series exist from the first tick, as a counter should.
  (void)registry_.add_counter(names::kSamplerNotices, {{"severity", "warning"}},
                              batch.warning_notices);
  (void)registry_.add_counter(names::kSamplerNotices, {{"severity", "error"}}, batch.error_notices);
  if (multiplexed > 0) {
    (void)registry_.set_gauge(names::kPerfMultiplexRatio, {},
                              multiplex_sum / static_cast<double>(multiplexed));
  }
}

Status MetricsPublisher::publish(const PipelineCounters& counters, const DaemonView& view) {
  first_error_ = {};
  publish_counters(counters);
  if (const auto fds = count_open_fds()) {
    keep(registry_.set_gauge(names::kOpenFds, {}, static_cast<double>(*fds)));
  }
  // Before the analyser's first publish the view knows nothing: leave instances unset
  // rather than claim zero.
  if (view.published()) {
    publish_instances(view.instances());
    publish_summary(view.summary());
  }
  publish_changes(view.changes());
  return first_error_;
}

void MetricsPublisher::publish_counters(const PipelineCounters& c) {
  keep(registry_.set_counter(names::kTicks, {}, as_double(c.ticks)));
  keep(registry_.set_counter(names::kMissedTicks, {}, as_double(c.missed_ticks)));
  keep(registry_.set_counter(names::kQueueDrops, {{"queue", "samples"}},
                             as_double(c.sample_queue_drops)));
  keep(registry_.set_counter(names::kQueueDrops, {{"queue", "plans"}},
                             as_double(c.plan_queue_drops)));
  keep(registry_.set_counter(names::kStageErrors, {}, as_double(c.stage_errors)));
}

void MetricsPublisher::publish_instances(const std::vector<InstanceView>& instances) {
  keep(registry_.set_gauge(names::kInstances, {}, static_cast<double>(instances.size())));
  std::set<std::string, std::less<>> live;
  for (const InstanceView& v : instances) {
    const std::string instance = instance_label(v.name, v.id);
    live.insert(instance);
    const std::string app_type = v.app_type.empty() ? "unknown" : v.app_type;
    // A type inferred later moves the score to a new series; the old one must go.
    if (auto at = app_types_.find(instance); at != app_types_.end() && at->second != app_type) {
      registry_.remove_series(names::kDriftScore,
                              {{"instance", instance}, {"app_type", at->second}});
    }
    app_types_[instance] = app_type;
    keep(registry_.set_gauge(names::kDriftScore, {{"instance", instance}, {"app_type", app_type}},
                             v.scored ? v.score : kUnknown));
    keep(registry_.set_gauge(names::kDriftThreshold, {{"instance", instance}}, v.threshold));
    keep(registry_.set_gauge(names::kInEpisode, {{"instance", instance}}, v.in_episode ? 1 : 0));

    const bool predicted = v.prediction && v.prediction->available;
    keep(registry_.set_gauge(names::kPredictionConfidence, {{"instance", instance}},
                             predicted ? v.prediction->confidence : kUnknown));
    for (const Resource r : kAllResources) {
      const std::string resource(resource_name(r));
      set_or_remove(names::kPredictedIncrease, {{"instance", instance}, {"resource", resource}},
                    predicted ? v.prediction->increase[r] : kUnknown);
      set_or_remove(names::kAllocation, {{"instance", instance}, {"resource", resource}},
                    v.allocation[r]);
    }
  }
  // Vanished instances: every series of theirs goes, counters included.
  registry_.retain_series_with_label("instance", live);
  std::erase_if(app_types_, [&](const auto& entry) { return !live.contains(entry.first); });
}

void MetricsPublisher::publish_changes(const std::vector<ChangeView>& changes) {
  const std::size_t fresh = new_changes(seen_changes_, changes);
  for (std::size_t i = changes.size() - fresh; i < changes.size(); ++i) {
    const ChangeView& c = changes[i];
    keep(registry_.add_counter(names::kChanges,
                               {{"instance", instance_label(c.instance, c.instance_id)},
                                {"resource", c.resource},
                                {"outcome", c.outcome}}));
    if (counts_as_undo(c)) ++undos_;
  }
  keep(registry_.set_counter(names::kUndos, {}, as_double(undos_)));
  seen_changes_ = changes;
}

void MetricsPublisher::publish_summary(const AnalyserSummary& s) {
  keep(registry_.set_counter(names::kBreakerTrips, {}, as_double(s.breaker_trips)));
  keep(registry_.set_counter(names::kEpisodes, {}, as_double(s.episodes_started)));
  keep(registry_.set_counter(names::kPredictions, {{"result", "made"}}, as_double(s.predictions)));
  keep(registry_.set_counter(names::kPredictions, {{"result", "unavailable"}},
                             as_double(s.predictions_unavailable)));
  keep(registry_.set_counter(names::kContentionFindings, {}, as_double(s.contention_findings)));
  if (s.fleet) {
    keep(registry_.set_gauge(names::kFleetConnected, {}, s.fleet->connected ? 1 : 0));
    keep(registry_.set_gauge(names::kFleetOutbox, {}, as_double(s.fleet->outbox)));
    keep(registry_.set_counter(names::kFleetSent, {}, as_double(s.fleet->sent)));
    keep(registry_.set_counter(names::kFleetPulled, {}, as_double(s.fleet->pulled)));
    keep(registry_.set_counter(names::kFleetSyncFailures, {}, as_double(s.fleet->failures)));
  }
  keep(registry_.set_gauge(names::kObservePrecision, {}, s.observe.precision()));
  keep(registry_.set_gauge(names::kObserveRecall, {}, s.observe.recall()));
}

// Per-resource gauges: an unknown value (unlimited, no prediction) is no series at all.
void MetricsPublisher::set_or_remove(std::string_view family, const metrics::Labels& labels,
                                     double value) {
  if (std::isnan(value)) {
    registry_.remove_series(family, labels);
  } else {
    keep(registry_.set_gauge(family, labels, value));
  }
}

void MetricsPublisher::keep(Status s) {
  if (!s && first_error_) first_error_ = std::move(s);
}

std::optional<std::size_t> count_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return std::nullopt;
  std::size_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++n;
  }
  // The directory being read is an fd of its own.
  return n > 0 ? n - 1 : 0;
}

std::string instance_label(const std::string& name, const std::string& id) {
  return name.empty() ? id : name;
}

std::size_t new_changes(const std::vector<ChangeView>& before, const std::vector<ChangeView>& now) {
  // The smallest number of entries dropped from the start of `before` that leaves a prefix
  // of `now`; what follows that prefix is new.
  for (std::size_t dropped = 0; dropped < before.size(); ++dropped) {
    const std::size_t kept = before.size() - dropped;
    if (kept > now.size()) continue;
    bool prefix = true;
    for (std::size_t i = 0; i < kept && prefix; ++i) {
      prefix = same_change(before[dropped + i], now[i]);
    }
    if (prefix) return now.size() - kept;
  }
  return now.size();
}

}  // namespace augur::daemon
