#pragma once
// Runs one policy over a HostModel, step by step, as EVALUATION.md defines the simulated
// host: a(t) is decided from the observations of steps up to t - 1, clamped to
// [floor, host capacity]; the host then shows u = min(d, a) and p = min(1, max(d - a, 0) / a).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/engine/decision_engine.h"
#include "augur/replay/host.h"
#include "augur/replay/metrics.h"
#include "augur/replay/policy.h"
#include "augur/util/result.h"

namespace augur::replay {

struct PolicyRun {
  std::string policy;
  AllocationSeries allocation;
  PolicyFigures figures;
  std::optional<PredictionErrorSums> predictions;  // augur only
  double elapsed_s = 0;
  double ticks_per_second = 0;
};

// Called every few hundred ticks and at the end (tick == ticks).
using ProgressFn =
    std::function<void(std::string_view policy, std::size_t tick, std::size_t ticks)>;

// The observation of one step: u = min(d, a), p = min(1, max(d - a, 0) / a), per resource
// with known d and a (NaN otherwise).
void observe(const ResourceVector& demand, const ResourceVector& allocation, Observation& out);

// A fresh run: policy.start(host), then every tick. Fails when the policy cannot start.
Result<PolicyRun> run_policy(const HostModel& host, Policy& policy,
                             const ProgressFn& progress = {});

// The configuration the augur policy starts from: config/augur.yaml's defaults, or `path`
// (the same YAML the daemon reads; every diagnostic joined into the error).
Result<config::Config> load_replay_config(const std::optional<std::string>& path);

// The engine options the daemon would use for `config`, with the plan bounds set to
// EVALUATION.md's: min = the host's floors, max = 0 (the instance's max_allocation, which
// replay sets to the host capacity).
engine::EngineOptions replay_engine_options(const config::Config& config, const HostModel& host);

// `augur`: the daemon's DecisionEngine, fresh per run, fed Samples built from the
// observations (cpu_usage_cores = u, cpu_throttled_share = p; memory_bytes = u,
// memory_pressure_some = p; disk_read_bytes = u, io_pressure_some = p; net_rx_bytes = u;
// Sample::allocation = a); the targets of its plans become the next allocations.
std::unique_ptr<Policy> make_augur_policy(engine::EngineOptions options);

// "static", "reactive", "augur" or "oracle"; an error naming the choices otherwise.
Result<std::unique_ptr<Policy>> make_policy(std::string_view name, const HostModel& host,
                                            const config::Config& config);

}  // namespace augur::replay
