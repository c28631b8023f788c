// The decision engine's tick (drift, labelling, prediction, planning) over a host of phased
// instances, with predict.refine_ticks 0 (one nearest-pattern query at an episode's start)
// and 5 (the pattern refined over 5 ticks, then the prediction following the episode: one
// query per drifting instance per tick within the horizon). Each instance repeats a phase
// (disk reads, then a CPU ramp) every 400 ticks, the instances staggered so that about a
// tenth of them are in an episode at any tick. The engine first runs 2 000 ticks, so its
// baselines are trusted and its history holds the labelled episodes of five phases per
// instance; each benchmark iteration is one further tick. Figures and the command:
// docs/performance.md, "Decision engine".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "augur/engine/decision_engine.h"

namespace {

using augur::Instance;
using augur::InstanceKind;
using augur::Metric;
using augur::Resource;
using augur::ResourceVector;
using augur::Sample;
using augur::SteadyTime;
using augur::engine::DecisionEngine;
using augur::engine::TickInput;
using augur::engine::TickOutput;
using std::chrono::seconds;

constexpr int kPeriod = 400;
constexpr int kWarmupTicks = 2000;

augur::config::Config bench_config(int refine_ticks) {
  augur::config::Config c;
  c.fingerprint.window_ticks = 10;
  c.fingerprint.ring_capacity = 60;
  c.drift.min_baseline_windows = 40;
  c.drift.end_hold_ticks = 10;
  c.predict.k = 3;
  c.predict.min_neighbours = 2;
  c.predict.horizon = seconds(60);
  c.predict.refine_ticks = refine_ticks;
  c.plan.cpu = augur::config::ResourceBounds{0.1, 4.0, 0.5, seconds(5)};
  c.plan.breaker_flips_per_hour = 100;
  return c;
}

// The phase of instance `i`: disk reads for 110 ticks from its start, and 30 ticks in, a
// CPU ramp from 0.3 to 1.6 cores over 20 ticks, held for 60.
struct Phase {
  int offset = 0;
  [[nodiscard]] int into(int tick) const { return (tick + offset) % kPeriod - 250; }
  [[nodiscard]] double demand(int tick) const {
    const int k = into(tick) - 30;
    if (k < 0 || k >= 80) return 0.3;
    return k < 20 ? 0.3 + 1.3 * (k + 1) / 20 : 1.6;
  }
  [[nodiscard]] double disk(int tick) const {
    const int k = into(tick);
    return k >= 0 && k < 110 ? 40e6 : 1e6;
  }
};

class Host {
 public:
  Host(int instances, int refine_ticks)
      : engine_(augur::engine::engine_options(bench_config(refine_ticks), "bench-host")) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> offset(0, kPeriod - 1);
    for (int i = 0; i < instances; ++i) {
      Instance in;
      in.id = "vm-" + std::to_string(i);
      in.name = in.id;
      in.app_type = "web-" + std::to_string(i % 4);
      in.kind = InstanceKind::kContainer;
      in.max_allocation[Resource::kCpu] = 4.0;
      instances_.push_back(in);
      phases_.push_back(Phase{offset(rng)});
      allocation_.emplace_back();
      allocation_.back()[Resource::kCpu] = 1.0;
    }
    samples_.resize(instances_.size());
    for (int t = 0; t < kWarmupTicks; ++t) step();
  }

  // One tick; returns the instances in an episode.
  int step() {
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      Sample& s = samples_[i];
      s = Sample{};
      s.instance_id = instances_[i].id;
      s.at = SteadyTime(seconds(tick_ + 1));
      s.elapsed = seconds(1);
      const double a = allocation_[i][Resource::kCpu];
      const double d = std::max(0.0, phases_[i].demand(tick_) + noise_(rng_));
      s.set(Metric::kCpuUsageCores, std::min(d, a));
      s.set(Metric::kCpuThrottledShare, std::min(1.0, std::max(d - a, 0.0) / a));
      s.set(Metric::kMemoryBytes, 512e6 + 1e6 * noise_(rng_));
      s.set(Metric::kDiskReadBytes, phases_[i].disk(tick_) * (1 + noise_(rng_)));
      s.set(Metric::kDiskWriteBytes, 0.0);
      s.allocation = allocation_[i];
    }
    TickInput in;
    in.at = SteadyTime(seconds(tick_ + 1));
    in.unix_ms = 1'700'000'000'000 + (tick_ + 1) * 1000LL;
    in.samples = &samples_;
    in.instances = tick_ == 0 ? &instances_ : nullptr;
    in.host_capacity[Resource::kCpu] = 4.0 * static_cast<double>(instances_.size());
    in.host_utilisation[Resource::kCpu] = 0.25;
    TickOutput out = engine_.tick(in);
    int drifting = 0;
    for (const auto& r : out.instances) drifting += r.analysis->in_episode ? 1 : 0;
    for (const auto& p : out.plans) {
      const std::size_t i = std::stoul(p.instance_id.substr(3));
      for (const auto& c : p.changes) allocation_[i][c.resource] = c.new_value;
    }
    ++tick_;
    return drifting;
  }

  [[nodiscard]] std::size_t patterns() const { return engine_.predictor().size(); }

 private:
  DecisionEngine engine_;
  std::vector<Instance> instances_;
  std::vector<Phase> phases_;
  std::vector<ResourceVector> allocation_;
  std::vector<Sample> samples_;
  int tick_ = 0;
  std::mt19937 rng_{42};
  std::normal_distribution<double> noise_{0.0, 0.01};
};

// Warmed hosts, kept across the benchmark's repetitions.
Host& host(int instances, int refine_ticks) {
  static std::map<std::pair<int, int>, std::unique_ptr<Host>> hosts;
  auto& h = hosts[{instances, refine_ticks}];
  if (!h) h = std::make_unique<Host>(instances, refine_ticks);
  return *h;
}

void BM_EngineTick(benchmark::State& state) {
  const int instances = static_cast<int>(state.range(0));
  const int refine_ticks = static_cast<int>(state.range(1));
  Host& h = host(instances, refine_ticks);
  double drifting = 0;
  for (auto _ : state) drifting += h.step();
  const double iterations = static_cast<double>(state.iterations());
  state.counters["drifting"] = drifting / iterations;
  state.counters["patterns"] = static_cast<double>(h.patterns());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * instances);
}
BENCHMARK(BM_EngineTick)
    ->ArgsProduct({{100, 500}, {0, 5}})
    ->ArgNames({"instances", "refine_ticks"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(800);

}  // namespace

BENCHMARK_MAIN();
