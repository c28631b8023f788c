// Fingerprint + drift per instance per tick, at windows of 60 and 600 ticks, with every
// feature of the table present (52) and with 40 (a host without a PMU, so no IPC, cache or
// branch misses, and without per-cgroup I/O pressure). Samples are generated up front so only
// the pipeline is timed. Every benchmark also reports allocations per tick, counted by the
// global operator new of this program.
#include <benchmark/benchmark.h>

#include <vector>

#include "augur/drift/analyzer.h"
#include "augur/fingerprint/fingerprint_builder.h"
#include "counting_new.h"
#include "synthetic.h"  // tests/drift: the same synthetic instances as the tests

namespace {

using augur::Metric;
using augur::Sample;
namespace drift = augur::drift;
namespace fp = augur::fingerprint;

// features: 52 (all present) or 40 (no PMU, no I/O pressure).
std::vector<Sample> samples(std::size_t n, long features) {
  drift::testing::SyntheticInstance vm("vm-1", drift::testing::web_profile(),
                                       drift::testing::Noise::kGaussian, 1);
  if (features == 40) {
    for (Metric m : {Metric::kCycles, Metric::kInstructions, Metric::kCacheMisses,
                     Metric::kBranchMisses, Metric::kIoPressureSome}) {
      vm.set_missing(m);
    }
  }
  std::vector<Sample> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(vm.next());
  return out;
}

std::size_t present_count(const augur::Fingerprint& f) {
  std::size_t n = 0;
  for (bool p : f.present) n += p;
  return n;
}

void report(benchmark::State& state, long allocations_before, std::size_t features) {
  state.counters["allocs_per_tick"] =
      benchmark::Counter(static_cast<double>(allocations_so_far() - allocations_before),
                         benchmark::Counter::kAvgIterations);
  state.counters["features"] = static_cast<double>(features);
}

// push + compute of one instance's fingerprint. tracked:1 is what the analyser does (the
// window's statistics kept incrementally); tracked:0 scans the ring on every compute.
void BM_Fingerprint(benchmark::State& state) {
  const auto window = static_cast<std::size_t>(state.range(0));
  const bool tracked = state.range(1) != 0;
  const auto input = samples(8192, 52);
  fp::FingerprintBuilder builder("vm-1", 600, tracked ? window : 0);
  augur::Fingerprint f;
  std::size_t i = 0;
  for (; i < 600; ++i) builder.push(input[i]);
  builder.compute(window, f);
  const long before = allocations_so_far();
  for (auto _ : state) {
    builder.push(input[i++ % input.size()]);
    builder.compute(window, f);
    benchmark::DoNotOptimize(f.values.data());
  }
  report(state, before, present_count(f));
}
BENCHMARK(BM_Fingerprint)->ArgNames({"window", "tracked"})->ArgsProduct({{60, 600}, {1, 0}});

// One analyser tick of a trusted instance: fingerprint, score against the calibrated
// threshold, sequential rule, and learning into the instance and type baselines.
void analyze_tick(benchmark::State& state, augur::config::DistanceKind distance) {
  drift::AnalyzerOptions o;
  o.fingerprint.window_ticks = static_cast<int>(state.range(0));
  o.drift.min_baseline_windows = 20;  // shorter warm-up; the per-tick work is the same
  o.drift.distance = distance;
  drift::Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  const auto input = samples(8192, state.range(1));
  const std::size_t warmup = 21 * static_cast<std::size_t>(o.fingerprint.window_ticks) + 200;
  std::size_t i = 0;
  for (; i < warmup; ++i) (void)analyzer.analyze(input[i % input.size()]);
  const drift::Analysis& first = analyzer.analyze(input[i++ % input.size()]);
  if (!first.scored) state.SkipWithError("not trusted");
  const std::size_t features = present_count(first.fingerprint);
  const long before = allocations_so_far();
  for (auto _ : state) {
    const auto& a = analyzer.analyze(input[i++ % input.size()]);
    benchmark::DoNotOptimize(a.score);
  }
  report(state, before, features);
}
void BM_AnalyzeEuclidean(benchmark::State& state) {
  analyze_tick(state, augur::config::DistanceKind::kEuclidean);
}
void BM_AnalyzeMahalanobis(benchmark::State& state) {
  analyze_tick(state, augur::config::DistanceKind::kMahalanobis);
}
BENCHMARK(BM_AnalyzeEuclidean)
    ->ArgNames({"window", "features"})
    ->ArgsProduct({{60, 600}, {40, 52}});
BENCHMARK(BM_AnalyzeMahalanobis)->ArgNames({"window", "features"})->Args({60, 52});

}  // namespace

BENCHMARK_MAIN();
