// Query latency (p50, p99) and recall of the pattern index at 1e3..1e6 patterns of 32 and
// 64 features. Patterns are clustered drift directions (recurring episodes of a few hundred
// kinds, plus noise) with log-normal magnitudes, as the index sees them: [unit dir, ln m].
// Figures and the command: docs/performance.md, "Prediction".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "augur/predict/nearest_index.h"
#include "clustered_patterns.h"

namespace {

using augur::bench::percentile;
using augur::bench::PointMaker;
using augur::bench::thread_cpu_us;
using augur::predict::IndexOptions;
using augur::predict::NearestIndex;
using augur::predict::SearchMode;

constexpr std::size_t kQueries = 1000;
constexpr std::size_t kRecallQueries = 200;
constexpr std::size_t kK = 5;

struct Fixture {
  std::unique_ptr<NearestIndex> index;
  std::vector<std::vector<double>> queries;
  double build_s = 0;  // adding every pattern, IVF trainings included (thread CPU time)
};

// Built once per (n, dim, switch size) and kept (both 1e6 indexes: about 1.5 GB).
Fixture& fixture(std::size_t n, std::size_t dim, std::size_t approximate_above) {
  static std::map<std::tuple<std::size_t, std::size_t, std::size_t>, Fixture> cache;
  const auto key = std::make_tuple(n, dim, approximate_above);
  auto [it, inserted] = cache.try_emplace(key);
  if (inserted) {
    PointMaker maker(dim, 42 + dim);
    IndexOptions options;
    options.approximate_above = approximate_above;
    it->second.index = std::make_unique<NearestIndex>(dim + 1, options);
    const double c0 = thread_cpu_us();
    for (std::size_t i = 0; i < n; ++i) it->second.index->add(i, maker.next());
    it->second.build_s = (thread_cpu_us() - c0) / 1e6;
    for (std::size_t i = 0; i < kQueries; ++i) it->second.queries.push_back(maker.next());
  }
  return it->second;
}

double recall_of(const NearestIndex& index, const std::vector<std::vector<double>>& queries) {
  std::size_t found = 0;
  for (std::size_t i = 0; i < kRecallQueries; ++i) {
    const auto exact = index.search(queries[i], kK, SearchMode::kExact);
    const auto approx = index.search(queries[i], kK, SearchMode::kAuto);
    std::set<std::uint64_t> truth;
    for (const auto& h : exact) truth.insert(h.id);
    for (const auto& h : approx) found += truth.count(h.id);
  }
  return static_cast<double>(found) / static_cast<double>(kRecallQueries * kK);
}

// Args: (patterns, features, exact, probe lists (0: the default), switch size (0: the
// default)).
void run_queries(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto dim = static_cast<std::size_t>(state.range(1));
  const SearchMode mode = state.range(2) != 0 ? SearchMode::kExact : SearchMode::kAuto;
  const std::size_t above = state.range(4) > 0 ? static_cast<std::size_t>(state.range(4))
                                               : IndexOptions{}.approximate_above;
  Fixture& f = fixture(n, dim, above);
  const IndexOptions defaults;
  if (state.range(3) > 0) {
    f.index->set_probe(0, static_cast<std::size_t>(state.range(3)));
  } else {
    f.index->set_probe(defaults.probe_points, defaults.min_probe);
  }
  std::vector<double> wall_us;
  std::vector<double> cpu_us;
  std::size_t q = 0;
  double reranked = 0;
  double scanned = 0;
  for (auto _ : state) {
    const double c0 = thread_cpu_us();
    const auto t0 = std::chrono::steady_clock::now();
    auto hits = f.index->search(f.queries[q % kQueries], kK, mode);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = thread_cpu_us();
    benchmark::DoNotOptimize(hits);
    reranked += static_cast<double>(f.index->last_search_stats().reranked);
    scanned += static_cast<double>(f.index->last_search_stats().scanned);
    wall_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    cpu_us.push_back(c1 - c0);
    ++q;
  }
  state.counters["p50_us"] = percentile(wall_us, 0.50);
  state.counters["p99_us"] = percentile(wall_us, 0.99);
  state.counters["cpu_p50_us"] = percentile(cpu_us, 0.50);
  state.counters["cpu_p99_us"] = percentile(cpu_us, 0.99);
  state.counters["reranked"] = reranked / static_cast<double>(state.iterations());
  state.counters["scanned"] = scanned / static_cast<double>(state.iterations());
  state.counters["build_s"] = f.build_s;
  const bool approximate = mode == SearchMode::kAuto && f.index->approximate();
  state.counters["approx"] = approximate ? 1 : 0;
  state.counters["recall"] = approximate ? recall_of(*f.index, f.queries) : 1.0;
  state.SetLabel(augur::predict::scan_kernel_name());
}

void BM_Query(benchmark::State& state) {
  run_queries(state);
}
// 1e6 patterns: apart so `--benchmark_filter=-Large` skips the minute of index building.
void BM_QueryLarge(benchmark::State& state) {
  run_queries(state);
}
// Exact scan against the IVF at the sizes around the switch (lists trained from 1000 up).
void BM_Switch(benchmark::State& state) {
  run_queries(state);
}

// Grouped by (patterns, features) so each index is built once.
void query_args(benchmark::internal::Benchmark* b) {
  for (std::int64_t dim : {32, 64}) {
    for (std::int64_t n : {1000, 10000, 100000}) {
      b->Args({n, dim, 1, 0, 0});
      if (n > 1000) b->Args({n, dim, 0, 0, 0});
    }
  }
}
void large_args(benchmark::internal::Benchmark* b) {
  for (std::int64_t dim : {32, 64}) b->Args({1000000, dim, 0, 0, 0});
  for (std::int64_t probe : {4, 8}) b->Args({1000000, 64, 0, probe, 0});
}
void switch_args(benchmark::internal::Benchmark* b) {
  for (std::int64_t n : {2500, 5000, 10000, 20000, 40000}) {
    b->Args({n, 64, 1, 0, 1000});
    b->Args({n, 64, 0, 0, 1000});
  }
}
BENCHMARK(BM_Query)->Apply(query_args)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QueryLarge)->Apply(large_args)->Iterations(2000)->Unit(benchmark::kMicrosecond);
// The exact scan of 1e6 patterns takes milliseconds: fewer queries.
BENCHMARK(BM_QueryLarge)
    ->Args({1000000, 32, 1, 0, 0})
    ->Args({1000000, 64, 1, 0, 0})
    ->Iterations(200)
    ->Unit(benchmark::kMicrosecond);
// Recall and latency against the lists probed, just above the switch and at 1e5.
void BM_Probe(benchmark::State& state) {
  run_queries(state);
}
void probe_args(benchmark::internal::Benchmark* b) {
  for (std::int64_t n : {10001, 100000}) {
    for (std::int64_t probe : {4, 8, 12, 16, 24}) b->Args({n, 64, 0, probe, 0});
  }
}
BENCHMARK(BM_Probe)->Apply(probe_args)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Switch)->Apply(switch_args)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
