// The `augur` policy: the daemon's DecisionEngine, unchanged, fed the simulated host's
// observations as Samples; its plans' targets are the next allocations.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>

#include "augur/config/compiler.h"
#include "augur/replay/replay.h"

namespace augur::replay {

namespace {

// One steady-clock origin for every replay, so runs are identical.
constexpr std::int64_t kSteadyOriginS = 1'000'000;

class AugurPolicy final : public Policy {
 public:
  explicit AugurPolicy(engine::EngineOptions options) : options_(std::move(options)) {}
  [[nodiscard]] std::string_view name() const override { return "augur"; }

  Status start(const HostModel& host) override {
    host_ = &host;
    engine_ = std::make_unique<engine::DecisionEngine>(options_);
    errors_ = PredictionErrorSums{};
    pending_.clear();
    by_pattern_.clear();
    index_of_.clear();
    prototypes_.clear();
    prototypes_.reserve(host.instances.size());
    for (std::size_t i = 0; i < host.instances.size(); ++i) {
      const HostInstance& inst = host.instances[i];
      index_of_.emplace(inst.id, i);
      Sample s;
      s.instance_id = inst.id;
      s.elapsed = host.step;
      prototypes_.push_back(std::move(s));
    }
    samples_.clear();
    samples_.reserve(host.instances.size());
    instances_.clear();
    live_before_.assign(host.instances.size(), 0);
    return {};
  }

  void decide(const StepContext& step, std::span<ResourceVector> allocation) override {
    const HostModel& host = *host_;
    const std::size_t n = host.instances.size();
    // The instance list, when it changed: the instances living at this tick, as discovery
    // would report them.
    bool changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t declared = step.live[i];
      changed = changed || live_before_[i] != declared;
    }
    if (changed) {
      instances_.clear();
      for (std::size_t i = 0; i < n; ++i) {
        live_before_[i] = step.live[i];
        if (!live_before_[i]) continue;
        const HostInstance& inst = host.instances[i];
        Instance in;
        in.id = inst.id;
        in.name = inst.id;
        in.app_type = inst.app_type;
        in.kind = InstanceKind::kVirtualMachine;
        in.allocation = step.live[i] ? allocation[i] : host.instances[i].initial;
        in.max_allocation = host.capacity;
        instances_.push_back(std::move(in));
      }
    }
    // Samples of the step just observed.
    samples_.clear();
    ResourceVector used{0, 0, 0, 0};
    const SteadyTime at{std::chrono::seconds(kSteadyOriginS + (step.time_s - host.start_s))};
    for (std::size_t i = 0; i < n; ++i) {
      const Observation& o = step.observed[i];
      if (!step.live[i] || !o.present || step.starting[i]) continue;
      Sample& s = samples_.emplace_back(prototypes_[i]);
      s.at = at;
      s.allocation = o.allocation;
      set_pair(s, o, Resource::kCpu, Metric::kCpuUsageCores, Metric::kCpuThrottledShare);
      set_pair(s, o, Resource::kMemory, Metric::kMemoryBytes, Metric::kMemoryPressureSome);
      set_pair(s, o, Resource::kDisk, Metric::kDiskReadBytes, Metric::kIoPressureSome);
      if (o.usage.known(Resource::kNetwork))
        s.set(Metric::kNetRxBytes, o.usage[Resource::kNetwork]);
      for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
        if (!std::isnan(o.usage.values[ri])) used.values[ri] += o.usage.values[ri];
      }
    }
    engine::TickInput in;
    in.at = at;
    in.unix_ms = step.time_s * 1000;
    in.samples = &samples_;
    in.instances = changed ? &instances_ : nullptr;
    in.host_capacity = host.capacity;
    for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
      const double cap = host.capacity.values[ri];
      in.host_utilisation.values[ri] = cap > 0 ? std::min(1.0, used.values[ri] / cap) : kUnknown;
    }
    engine::TickOutput out = engine_->tick(in);

    for (const Plan& plan : out.plans) {
      auto it = index_of_.find(plan.instance_id);
      if (it == index_of_.end() || !step.live[it->second]) continue;
      for (const Change& c : plan.changes) {
        if (!std::isfinite(c.new_value)) continue;
        allocation[it->second][c.resource] = c.new_value;
        ++errors_.changes_applied;
      }
    }
    track_predictions(out);
  }

  [[nodiscard]] std::optional<PredictionErrorSums> prediction_errors() const override {
    return errors_;
  }

 private:
  static void set_pair(Sample& s, const Observation& o, Resource r, Metric usage, Metric pressure) {
    if (!o.usage.known(r)) return;
    s.set(usage, o.usage[r]);
    s.set(pressure, o.pressure[r]);
  }

  // A prediction made at an episode start belongs to the pattern opened for that instance
  // on the same tick; when that pattern is labelled, |predicted - outcome| / a0 per
  // resource joins the error.
  void track_predictions(const engine::TickOutput& out) {
    pending_.clear();
    for (const engine::InstanceReport& r : out.instances) {
      if (r.analysis != nullptr) {
        if (r.analysis->scored) ++errors_.samples_scored;
        for (const auto& e : r.analysis->events) {
          if (e.kind == drift::EpisodeEventKind::kStarted) ++errors_.episodes_started;
        }
      }
      if (!r.prediction_new || !r.prediction || !r.prediction->available) continue;
      // A refined prediction replaces the start's: the last one before the pattern is
      // opened is the one its outcome judges.
      pending_[r.instance_id] = r.prediction->increase;
      if (r.refined_ticks == 0) ++errors_.predictions_made;
    }
    for (const predict::Pattern& p : out.opened) {
      auto it = pending_.find(p.instance_id);
      if (it != pending_.end()) by_pattern_[p.id] = {p.instance_id, it->second};
    }
    for (const predict::Pattern& p : out.labelled) {
      auto it = by_pattern_.find(p.id);
      if (it == by_pattern_.end() || !p.outcome) continue;
      auto idx = index_of_.find(it->second.first);
      if (idx != index_of_.end()) {
        const ResourceVector& a0 = host_->instances[idx->second].initial;
        const ResourceVector& predicted = it->second.second;
        bool any = false;
        for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
          const double pr = predicted.values[ri];
          const double oc = p.outcome->increase.values[ri];
          const double base = a0.values[ri];
          if (std::isnan(pr) || std::isnan(oc) || !(base > 0)) continue;
          errors_.sum.values[ri] += std::abs(pr - oc) / base;
          ++errors_.count[ri];
          any = true;
        }
        if (any) ++errors_.predictions_labelled;
      }
      by_pattern_.erase(it);
    }
    for (const std::string& id : out.dropped) by_pattern_.erase(id);
  }

  engine::EngineOptions options_;
  const HostModel* host_ = nullptr;
  std::unique_ptr<engine::DecisionEngine> engine_;
  std::unordered_map<std::string, std::size_t> index_of_;
  std::vector<Sample> prototypes_;
  std::vector<Sample> samples_;
  std::vector<Instance> instances_;
  std::vector<std::uint8_t> live_before_;
  std::map<std::string, ResourceVector> pending_;  // instance -> prediction made this tick
  std::unordered_map<std::string, std::pair<std::string, ResourceVector>> by_pattern_;
  PredictionErrorSums errors_;
};

void set_bounds(config::ResourceBounds& b, double floor) {
  if (!std::isnan(floor)) b.min = floor;
  b.max = 0;
}

}  // namespace

Result<config::Config> load_replay_config(const std::optional<std::string>& path) {
  if (!path) return config::Config{};
  auto loaded = config::load_config_file(*path);
  if (!loaded) {
    std::string what;
    for (const auto& d : loaded.error()) {
      if (!what.empty()) what += "; ";
      what += d.to_string();
    }
    return Error{"invalid configuration: " + what, *path};
  }
  return std::move(loaded).value();
}

engine::EngineOptions replay_engine_options(const config::Config& config, const HostModel& host) {
  config::Config c = config;
  set_bounds(c.plan.cpu, host.floor[Resource::kCpu]);
  set_bounds(c.plan.memory, host.floor[Resource::kMemory]);
  set_bounds(c.plan.disk, host.floor[Resource::kDisk]);
  set_bounds(c.plan.network, host.floor[Resource::kNetwork]);
  return engine::engine_options(c, "replay");
}

std::unique_ptr<Policy> make_augur_policy(engine::EngineOptions options) {
  return std::make_unique<AugurPolicy>(std::move(options));
}

}  // namespace augur::replay
