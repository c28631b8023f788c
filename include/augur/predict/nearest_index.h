#pragma once
// k-nearest-neighbour search over fixed-dimension points (Euclidean), with ids.
//
// Small sets are searched exactly: the points are one contiguous float matrix and a query
// is one matrix-vector product (Eigen) plus a top-k selection. Above
// `IndexOptions::approximate_above` points an inverted-file index (IVF) takes over: a
// coarse k-means splits the points into about sqrt(n) lists, and a query scans the lists
// of the `probe` nearest centroids only. The lists are retrained when the set has doubled
// since the last training. Exact search (SearchMode::kExact) equals brute force up to
// float rounding of the distances: untrained it scans every point; trained it scans lists
// in order of a triangle-inequality lower bound (|q - centroid| - list radius) and stops
// when the bound exceeds the k-th best distance found (at worst, every list).
// Not thread-safe; Eigen stays out of this header.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace augur::predict {

struct IndexOptions {
  // Exact below (and at) this many points. Chosen by measurement (docs/performance.md,
  // "Prediction"): beyond about 5000 points of 33..65 floats the IVF answers faster than a
  // full scan, at recall >= 0.95.
  std::size_t approximate_above = 5000;
  // Lists scanned per approximate query, as a fraction of the list count (at least
  // min_probe lists). Measured for recall >= 0.95 on clustered drift directions.
  double probe_fraction = 0.01;
  std::size_t min_probe = 8;
  std::uint64_t seed = 1;  // k-means initialisation
};

enum class SearchMode { kAuto, kExact };

struct IndexHit {
  std::uint64_t id = 0;
  float squared_distance = 0;
};

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
  // Changes probe_fraction and min_probe for the following searches (tuning, benchmarks).
  void set_probe(double probe_fraction, std::size_t min_probe);

  // Contract: point.size() == dim(), id not already present. May retrain the lists
  // (O(n) work, at sizes approximate_above * 2^i).
  void add(std::uint64_t id, std::span<const double> point);
  // False when the id is not present.
  bool remove(std::uint64_t id);
  // Up to k hits, nearest first (ties by id). Contract: query.size() == dim().
  [[nodiscard]] std::vector<IndexHit> search(std::span<const double> query, std::size_t k,
                                             SearchMode mode = SearchMode::kAuto) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace augur::predict
