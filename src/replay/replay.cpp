#include "augur/replay/replay.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "augur/replay/vpa.h"

namespace augur::replay {

namespace {
constexpr std::size_t kProgressEvery = 512;  // ticks
}

void observe(const ResourceVector& demand, const ResourceVector& allocation, Observation& out) {
  out.allocation = allocation;
  for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
    const double d = demand.values[ri];
    const double a = allocation.values[ri];
    if (std::isnan(d) || std::isnan(a) || !(a > 0)) {
      out.usage.values[ri] = kUnknown;
      out.pressure.values[ri] = kUnknown;
      continue;
    }
    out.usage.values[ri] = std::min(d, a);
    out.pressure.values[ri] = std::min(1.0, std::max(d - a, 0.0) / a);
  }
}

Result<PolicyRun> run_policy(const HostModel& host, Policy& policy, const ProgressFn& progress) {
  PolicyRun run;
  run.policy = std::string(policy.name());
  const auto started = std::chrono::steady_clock::now();
  if (Status s = policy.start(host); !s) return s.error();

  const std::size_t n = host.instances.size();
  run.allocation.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const HostInstance& inst = host.instances[i];
    for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
      run.allocation[i][ri].assign(inst.span(), kUnknown);
    }
  }
  std::vector<ResourceVector> current(n), previous(n);
  std::vector<Observation> observed(n);
  std::vector<std::uint8_t> live(n, 0), starting(n, 0);

  for (std::size_t t = 0; t < host.ticks; ++t) {
    for (std::size_t i = 0; i < n; ++i) {
      const HostInstance& inst = host.instances[i];
      live[i] = inst.live(t) ? 1 : 0;
      starting[i] = t == inst.first_tick ? 1 : 0;
      if (starting[i]) current[i] = inst.initial;
    }
    StepContext step;
    step.tick = t;
    step.time_s = host.time_s(t);
    step.observed = observed;
    step.live = live;
    step.starting = starting;
    previous = current;
    policy.decide(step, current);

    // Bounds for every policy, then what the host shows at the end of step t.
    for (std::size_t i = 0; i < n; ++i) {
      if (!live[i]) {
        observed[i].present = false;
        continue;
      }
      const HostInstance& inst = host.instances[i];
      const std::size_t k = t - inst.first_tick;
      ResourceVector demand;
      for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
        double& a = current[i].values[ri];
        if (!inst.simulated.test(ri)) {
          a = kUnknown;
          continue;
        }
        if (std::isnan(a)) a = previous[i].values[ri];  // a policy cannot unset it: held
        a = std::min(std::max(a, host.floor.values[ri]), host.capacity.values[ri]);
        run.allocation[i][ri][k] = a;
        demand.values[ri] = inst.demand[ri][k];
      }
      observed[i].present = inst.present[k] != 0;
      observe(demand, current[i], observed[i]);
    }
    if (progress && (t + 1) % kProgressEvery == 0) progress(run.policy, t + 1, host.ticks);
  }
  run.predictions = policy.prediction_errors();
  run.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.ticks_per_second =
      run.elapsed_s > 0 ? static_cast<double>(host.ticks) / run.elapsed_s : kUnknown;
  run.figures = compute_figures(host, run.allocation, run.predictions);
  if (progress) progress(run.policy, host.ticks, host.ticks);
  return run;
}

Result<std::unique_ptr<Policy>> make_policy(std::string_view name, const HostModel& host,
                                            const config::Config& config) {
  if (name == "static") return make_static_policy();
  if (name == "reactive") return vpa::make_reactive_policy();
  if (name == "oracle") return make_oracle_policy();
  if (name == "augur") return make_augur_policy(replay_engine_options(config, host));
  return Error{"unknown policy (static, reactive, augur, oracle)", std::string(name)};
}

}  // namespace augur::replay
