#pragma once
// k-nearest-neighbour search over fixed-dimension points (Euclidean), with ids.
//
// Storage: each point twice, its exact coordinates (double) and a bfloat16 copy laid out for
// a SIMD scan (16 points per block, AVX2 + FMA when the CPU has them). A search scans the
// bfloat16 copies, keeps every point whose approximate distance could still be among the k
// nearest given a proven bound on the bfloat16 and float rounding error, and ranks those
// candidates by their exact double distance. So SearchMode::kExact returns exactly what a
// naive double loop over every point returns (distances sum_j (q_j - x_j)^2 in coordinate
// order; ties by id), at half the memory traffic of a float scan.
//
// Up to `IndexOptions::approximate_above` points every search is exact. Above it an inverted
// file (IVF) takes over kAuto searches: a coarse k-means splits the points into about
// sqrt(n) lists, and a query scans the lists of its `probe` nearest centroids (exactly, as
// above, within them). The lists are retrained when the set has doubled since the last
// training. Not thread-safe (searches reuse scratch buffers); Eigen stays out of this header.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace augur::predict {

struct IndexOptions {
  // Exact at and below this many points. Chosen by measurement (docs/performance.md,
  // "Prediction").
  std::size_t approximate_above = 10000;
  // Lists scanned per approximate query: enough lists to hold about probe_points points
  // (n / lists per list), at least min_probe. Measured (docs/performance.md) for recall@5
  // >= 0.95 on clustered drift directions from just above the switch (16 of 100 lists) to
  // 1e6 points (6 of 1000).
  std::size_t probe_points = 1600;
  std::size_t min_probe = 6;
  std::uint64_t seed = 1;  // k-means initialisation
};

enum class SearchMode { kAuto, kExact };

struct IndexHit {
  std::uint64_t id = 0;
  double squared_distance = 0;  // exact, in double
};

// What the last search did (tuning, benchmarks).
struct SearchStats {
  std::size_t scanned = 0;   // points whose bfloat16 distance was computed
  std::size_t reranked = 0;  // candidates whose exact distance was computed
};

// The scan kernel this CPU runs: "avx2" or "portable".
const char* scan_kernel_name();

class NearestIndex {
 public:
  NearestIndex(std::size_t dim, IndexOptions options = {});
  ~NearestIndex();
  NearestIndex(NearestIndex&&) noexcept;
  NearestIndex& operator=(NearestIndex&&) noexcept;
  NearestIndex(const NearestIndex&) = delete;
  NearestIndex& operator=(const NearestIndex&) = delete;

  [[nodiscard]] std::size_t dim() const;
  [[nodiscard]] std::size_t size() const;
  // True when kAuto searches go through the trained IVF lists.
  [[nodiscard]] bool approximate() const;
  // Inverted lists (1 while untrained).
  [[nodiscard]] std::size_t list_count() const;
  [[nodiscard]] SearchStats last_search_stats() const;
  // Changes probe_points and min_probe for the following searches (tuning, benchmarks).
  void set_probe(std::size_t probe_points, std::size_t min_probe);

  // Contract: point.size() == dim(), id not already present. May retrain the lists
  // (O(n) work, at sizes approximate_above * 2^i).
  void add(std::uint64_t id, std::span<const double> point);
  // False when the id is not present.
  bool remove(std::uint64_t id);
  // Up to k hits, nearest first (ties by id). No allocation beyond the returned vector once
  // the scratch buffers have grown. Contract: query.size() == dim().
  [[nodiscard]] std::vector<IndexHit> search(std::span<const double> query, std::size_t k,
                                             SearchMode mode = SearchMode::kAuto) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace augur::predict
