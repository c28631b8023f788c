// Fingerprint + drift per instance per tick, at windows of 60 and 600 ticks over the
// 52-feature table. Samples are generated up front so only the pipeline is timed.
#include <benchmark/benchmark.h>

#include <vector>

#include "augur/drift/analyzer.h"
#include "augur/fingerprint/fingerprint_builder.h"
#include "synthetic.h"  // tests/drift: the same synthetic instances as the tests

namespace {

using augur::Sample;
namespace drift = augur::drift;

std::vector<Sample> samples(std::size_t n) {
  drift::testing::SyntheticInstance vm("vm-1", drift::testing::web_profile(),
                                       drift::testing::Noise::kGaussian, 1);
  std::vector<Sample> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(vm.next());
  return out;
}

// push + compute of one instance's fingerprint.
void BM_Fingerprint(benchmark::State& state) {
  const auto window = static_cast<std::size_t>(state.range(0));
  const auto input = samples(8192);
  augur::fingerprint::FingerprintBuilder builder("vm-1", 600);
  augur::Fingerprint fp;
  std::size_t i = 0;
  for (; i < 600; ++i) builder.push(input[i]);
  for (auto _ : state) {
    builder.push(input[i++ % input.size()]);
    builder.compute(window, fp);
    benchmark::DoNotOptimize(fp.values.data());
  }
}
BENCHMARK(BM_Fingerprint)->Arg(60)->Arg(600);

// One analyser tick of a trusted instance: fingerprint, score against the calibrated
// threshold, sequential rule, and learning into the instance and type baselines.
void analyze_tick(benchmark::State& state, augur::config::DistanceKind distance) {
  drift::AnalyzerOptions o;
  o.fingerprint.window_ticks = static_cast<int>(state.range(0));
  o.drift.min_baseline_windows = 20;  // shorter warm-up; the per-tick work is the same
  o.drift.distance = distance;
  drift::Analyzer analyzer(o);
  analyzer.set_app_type("vm-1", "web");
  const auto input = samples(8192);
  const std::size_t warmup = 21 * static_cast<std::size_t>(o.fingerprint.window_ticks) + 200;
  std::size_t i = 0;
  for (; i < warmup; ++i) (void)analyzer.analyze(input[i % input.size()]);
  if (!analyzer.analyze(input[i++ % input.size()]).scored) state.SkipWithError("not trusted");
  for (auto _ : state) {
    const auto& a = analyzer.analyze(input[i++ % input.size()]);
    benchmark::DoNotOptimize(a.score);
  }
}
void BM_AnalyzeEuclidean(benchmark::State& state) {
  analyze_tick(state, augur::config::DistanceKind::kEuclidean);
}
void BM_AnalyzeMahalanobis(benchmark::State& state) {
  analyze_tick(state, augur::config::DistanceKind::kMahalanobis);
}
BENCHMARK(BM_AnalyzeEuclidean)->Arg(60)->Arg(600);
BENCHMARK(BM_AnalyzeMahalanobis)->Arg(60);

}  // namespace

BENCHMARK_MAIN();
