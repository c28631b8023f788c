#pragma once
// From the daemon's state to its metrics registry (the families of docs/metrics.md): the
// pipeline's counters and the DaemonView on every publish, and per-tick sampler figures
// (tick duration, threads read, multiplexing) through a wrapper around the sampler stage,
// because the pipeline's counters keep only the last tick.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "augur/daemon/daemon_view.h"
#include "augur/daemon/pipeline.h"
#include "augur/metrics/registry.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::daemon {

// Runs `inner` and records its tick in the registry: augur_tick_duration_seconds,
// augur_sampled_threads and augur_perf_multiplex_ratio. The registry must be defined with
// the Augur families and outlive the stage.
class MeteredSamplerStage final : public SamplerStage {
 public:
  MeteredSamplerStage(SamplerStage& inner, const Clock& clock, metrics::MetricsRegistry& registry)
      : inner_(inner), clock_(clock), registry_(registry) {}

  void sample(SteadyTime now, SampleBatch& batch) override;

 private:
  SamplerStage& inner_;
  const Clock& clock_;
  metrics::MetricsRegistry& registry_;
};

// Sets the counter and per-instance families from one read of the counters and the view.
// One thread calls publish(); the registry may be read meanwhile.
class MetricsPublisher {
 public:
  explicit MetricsPublisher(metrics::MetricsRegistry& registry) : registry_(registry) {}

  // The first error of a registry update (a family not defined), after trying all.
  Status publish(const PipelineCounters& counters, const DaemonView& view);

 private:
  void publish_counters(const PipelineCounters& counters);
  void publish_instances(const std::vector<InstanceView>& instances);
  void publish_changes(const std::vector<ChangeView>& changes);
  void publish_summary(const AnalyserSummary& summary);
  void set_or_remove(std::string_view family, const metrics::Labels& labels, double value);
  void keep(Status s);

  metrics::MetricsRegistry& registry_;
  Status first_error_;
  // The change history as last read: the view keeps a bounded window, so new changes are
  // what follows the part of it still there.
  std::vector<ChangeView> seen_changes_;
  std::uint64_t undos_ = 0;
  // instance label -> the app_type its drift score series carries.
  std::map<std::string, std::string, std::less<>> app_types_;
};

// The file descriptors this process holds open, or nothing when /proc/self/fd is unreadable.
[[nodiscard]] std::optional<std::size_t> count_open_fds();

// The `instance` label of an instance: its name, or its id when it has none.
[[nodiscard]] std::string instance_label(const std::string& name, const std::string& id);

// How many entries at the end of `now` are new since `before` was read, given that the
// history only grows at its end and drops from its start. All of `now` when none of
// `before` is left.
[[nodiscard]] std::size_t new_changes(const std::vector<ChangeView>& before,
                                      const std::vector<ChangeView>& now);

}  // namespace augur::daemon
