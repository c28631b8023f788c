// hnswlib (HNSW graph; Debian libhnswlib-dev 0.6.2) against the project's pattern index
// (NearestIndex: IVF over bfloat16 blocks with exact re-ranking) on predict_bench's data
// (clustered_patterns.h), at 1e4..1e6 patterns of 32 and 64 features, k = 5: build time
// (one thread, as the analyser adds patterns), memory held, query CPU time, and recall@5
// against exact search (NearestIndex, SearchMode::kExact).
// Figures and the command: docs/performance.md, "Prediction", "hnswlib, measured".
#include <benchmark/benchmark.h>
#include <hnswlib/hnswlib.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "augur/predict/nearest_index.h"
#include "clustered_patterns.h"

namespace {

using augur::bench::percentile;
using augur::bench::PointMaker;
using augur::bench::thread_cpu_us;
using augur::predict::NearestIndex;
using augur::predict::SearchMode;

constexpr std::size_t kQueries = 1000;  // recall is measured over all of them
constexpr std::size_t kK = 5;
// hnswlib's graph: links per node (2 * kM on the base layer) and the candidate list while
// inserting.
constexpr std::size_t kM = 16;
constexpr std::size_t kEfConstruction = 100;

// Bytes malloc has handed out and not had back (arena chunks + mmapped chunks, headers
// included): the difference around a build is what the index holds.
double held_bytes() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}

struct Fixture {
  std::size_t n = 0;
  std::size_t dim = 0;
  std::unique_ptr<NearestIndex> ivf;  // default IndexOptions
  double ivf_build_s = 0;             // thread CPU time, trainings included
  double ivf_held_mb = 0;
  std::unique_ptr<hnswlib::L2Space> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  double hnsw_build_s = 0;  // thread CPU time
  double hnsw_held_mb = 0;
  double hnsw_element_mb = 0;  // hnswlib's element size (base-layer links, floats, label) * n
  std::vector<std::vector<double>> queries;
  std::vector<std::vector<float>> queries_f;
  std::vector<std::set<std::uint64_t>> truth;  // exact k nearest ids of each query
};

// One (n, dim) at a time: the benchmarks are registered grouped by it.
Fixture& fixture(std::size_t n, std::size_t dim) {
  static std::unique_ptr<Fixture> f;
  if (f && f->n == n && f->dim == dim) return *f;
  f.reset();
  malloc_trim(0);
  f = std::make_unique<Fixture>();
  f->n = n;
  f->dim = dim;
  const std::size_t d = dim + 1;
  // The same points and queries as predict_bench (same seed, same order).
  PointMaker maker(dim, 42 + dim);
  std::vector<double> points;
  points.reserve(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<double> p = maker.next();
    points.insert(points.end(), p.begin(), p.end());
  }
  for (std::size_t i = 0; i < kQueries; ++i) {
    f->queries.push_back(maker.next());
    f->queries_f.emplace_back(f->queries.back().begin(), f->queries.back().end());
  }

  malloc_trim(0);
  double h0 = held_bytes();
  f->ivf = std::make_unique<NearestIndex>(d);
  double c0 = thread_cpu_us();
  for (std::size_t i = 0; i < n; ++i) {
    f->ivf->add(i, std::span<const double>(points.data() + i * d, d));
  }
  f->ivf_build_s = (thread_cpu_us() - c0) / 1e6;
  f->ivf_held_mb = (held_bytes() - h0) / 1e6;

  const std::vector<float> points_f(points.begin(), points.end());
  points = {};
  malloc_trim(0);
  h0 = held_bytes();
  f->space = std::make_unique<hnswlib::L2Space>(d);
  f->hnsw =
      std::make_unique<hnswlib::HierarchicalNSW<float>>(f->space.get(), n, kM, kEfConstruction);
  c0 = thread_cpu_us();
  for (std::size_t i = 0; i < n; ++i) f->hnsw->addPoint(points_f.data() + i * d, i);
  f->hnsw_build_s = (thread_cpu_us() - c0) / 1e6;
  f->hnsw_held_mb = (held_bytes() - h0) / 1e6;
  f->hnsw_element_mb =
      static_cast<double>(f->hnsw->size_data_per_element_) * static_cast<double>(n) / 1e6;

  for (const auto& q : f->queries) {
    std::set<std::uint64_t> ids;
    for (const auto& h : f->ivf->search(q, kK, SearchMode::kExact)) ids.insert(h.id);
    f->truth.push_back(std::move(ids));
  }
  return *f;
}

struct Times {
  std::vector<double> wall_us;
  std::vector<double> cpu_us;
};

void report_times(benchmark::State& state, const Times& t) {
  state.counters["p50_us"] = percentile(t.wall_us, 0.50);
  state.counters["p99_us"] = percentile(t.wall_us, 0.99);
  state.counters["cpu_p50_us"] = percentile(t.cpu_us, 0.50);
  state.counters["cpu_p99_us"] = percentile(t.cpu_us, 0.99);
}

// Args: (patterns, features). NearestIndex with the default IndexOptions, SearchMode::kAuto.
void BM_Ivf(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto dim = static_cast<std::size_t>(state.range(1));
  Fixture& f = fixture(n, dim);
  Times t;
  std::size_t q = 0;
  double scanned = 0;
  for (auto _ : state) {
    const double c0 = thread_cpu_us();
    const auto t0 = std::chrono::steady_clock::now();
    auto hits = f.ivf->search(f.queries[q % kQueries], kK, SearchMode::kAuto);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = thread_cpu_us();
    benchmark::DoNotOptimize(hits);
    scanned += static_cast<double>(f.ivf->last_search_stats().scanned);
    t.wall_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    t.cpu_us.push_back(c1 - c0);
    ++q;
  }
  report_times(state, t);
  std::size_t found = 0;
  for (std::size_t i = 0; i < kQueries; ++i) {
    for (const auto& h : f.ivf->search(f.queries[i], kK, SearchMode::kAuto)) {
      found += f.truth[i].count(h.id);
    }
  }
  state.counters["recall"] = static_cast<double>(found) / static_cast<double>(kQueries * kK);
  state.counters["scanned"] = scanned / static_cast<double>(state.iterations());
  state.counters["approx"] = f.ivf->approximate() ? 1 : 0;
  state.counters["build_s"] = f.ivf_build_s;
  state.counters["held_MB"] = f.ivf_held_mb;
  state.SetLabel(std::string("ivf ") + augur::predict::scan_kernel_name());
}

// Args: (patterns, features, ef). hnswlib L2Space, M = kM, ef_construction = kEfConstruction.
void BM_Hnsw(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto dim = static_cast<std::size_t>(state.range(1));
  const auto ef = static_cast<std::size_t>(state.range(2));
  Fixture& f = fixture(n, dim);
  f.hnsw->setEf(ef);
  Times t;
  std::size_t q = 0;
  const long dist0 = f.hnsw->metric_distance_computations;
  for (auto _ : state) {
    const double c0 = thread_cpu_us();
    const auto t0 = std::chrono::steady_clock::now();
    auto hits = f.hnsw->searchKnn(f.queries_f[q % kQueries].data(), kK);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = thread_cpu_us();
    benchmark::DoNotOptimize(hits);
    t.wall_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    t.cpu_us.push_back(c1 - c0);
    ++q;
  }
  const long dist1 = f.hnsw->metric_distance_computations;
  report_times(state, t);
  std::size_t found = 0;
  for (std::size_t i = 0; i < kQueries; ++i) {
    auto hits = f.hnsw->searchKnn(f.queries_f[i].data(), kK);
    for (; !hits.empty(); hits.pop()) found += f.truth[i].count(hits.top().second);
  }
  state.counters["recall"] = static_cast<double>(found) / static_cast<double>(kQueries * kK);
  // Distances computed per query (hnswlib's own counter), against the IVF's `scanned`.
  state.counters["dists"] =
      static_cast<double>(dist1 - dist0) / static_cast<double>(state.iterations());
  state.counters["build_s"] = f.hnsw_build_s;
  state.counters["held_MB"] = f.hnsw_held_mb;
  state.counters["elem_MB"] = f.hnsw_element_mb;
  state.SetLabel("hnsw M=16 efC=100");
}

// Grouped by (patterns, features) so each pair of indexes is built once. 1e6 apart, as in
// predict_bench (`--benchmark_filter=-Large` skips its minutes of index building).
void register_all() {
  for (const std::int64_t n : {10000, 100000, 1000000}) {
    for (const std::int64_t dim : {32, 64}) {
      const bool large = n >= 1000000;
      benchmark::RegisterBenchmark(large ? "BM_IvfLarge" : "BM_Ivf", BM_Ivf)
          ->Args({n, dim})
          ->Iterations(2000)
          ->Unit(benchmark::kMicrosecond);
      for (const std::int64_t ef : {16, 32, 64, 128}) {
        benchmark::RegisterBenchmark(large ? "BM_HnswLarge" : "BM_Hnsw", BM_Hnsw)
            ->Args({n, dim, ef})
            ->Iterations(2000)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
