#include "augur/predict/nearest_index.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <random>
#include <unordered_map>
#include <utility>

#include "bf16_kernel.h"
#include "kmeans.h"
#include "point_list.h"

namespace augur::predict {

namespace {

using detail::MatrixF;
using detail::PointList;
using detail::VectorF;

// k-means settings: Lloyd iterations and training sample per list. Lloyd converges to
// usable lists in a few iterations; 40 points per list follows common IVF practice (faiss
// warns below ~39 points per centroid).
constexpr int kKmeansIterations = 10;
constexpr std::size_t kTrainPointsPerList = 40;

// Relative slack on the candidate threshold, for the rounding of the bound's own arithmetic
// (sqrt, double sums of the exact distances), far above it and far below any gap that
// matters.
constexpr double kThresholdSlack = 1e-6;

// Blocks per kernel call: the candidate threshold is refreshed between calls.
constexpr std::size_t kChunkBlocks = 32;

struct Candidate {
  float approx;  // the kernel's squared distance
  std::uint32_t list;
  std::uint32_t row;
};

}  // namespace

// Search without error: the kernel's bfloat16 distances pick candidates, the exact double
// coordinates rank them. With e >= |q - q~| + |x - x~| for every point (q~: the float query,
// x~: the bfloat16 point) and delta >= the kernel's rounding error, let s be the k-th
// smallest approximate squared distance: k points lie within D = sqrt(s + delta) + e of q,
// so every point of the true k nearest (ties included) has an approximate squared distance
// <= T = (D + e)^2 + delta. Points above T are skipped; those below are re-ranked exactly.
// The pool keeps every point <= the threshold of the moment; the threshold only falls.
class CandidatePool {
 public:
  CandidatePool(std::vector<Candidate>& pool, std::size_t k, double delta, double error)
      : pool_(pool), k_(k), delta_(delta), error_(error), cap_(std::max<std::size_t>(64, 4 * k)) {
    pool_.clear();
  }

  [[nodiscard]] float threshold() const { return threshold_; }

  void offer(float approx, std::uint32_t list, std::uint32_t row) {
    pool_.push_back({approx, list, row});
    if (pool_.size() >= cap_) compact();
  }

  // Leaves exactly the candidates at or below the final threshold.
  void finish() { compact(); }

 private:
  void compact() {
    if (pool_.size() < k_) return;
    const auto kth = pool_.begin() + static_cast<std::ptrdiff_t>(k_ - 1);
    std::nth_element(pool_.begin(), kth, pool_.end(),
                     [](const Candidate& a, const Candidate& b) { return a.approx < b.approx; });
    const double s = std::max(0.0, static_cast<double>(kth->approx));
    const double reach = std::sqrt(s + delta_) + 2 * error_;
    const double t = (reach * reach + delta_) * (1 + kThresholdSlack);
    threshold_ = std::nextafter(static_cast<float>(t), std::numeric_limits<float>::infinity());
    std::erase_if(pool_, [this](const Candidate& c) { return c.approx > threshold_; });
    cap_ = std::max(cap_, 2 * pool_.size());
  }

  std::vector<Candidate>& pool_;
  std::size_t k_;
  double delta_;
  double error_;
  std::size_t cap_;
  float threshold_ = std::numeric_limits<float>::infinity();
};

struct NearestIndex::Impl {
  std::size_t dim;
  IndexOptions options;
  std::vector<PointList> lists;
  MatrixF centroids;  // dim x lists (empty while untrained)
  VectorF centroid_norms;
  std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> where;
  std::size_t trained_at = 0;  // size at the last training, 0: never
  // Over every point stored since the last training (not lowered on removal): the largest
  // |x - x~| and |x~|, for the search's error bound.
  double max_error = 0;
  double max_norm = 0;
  // Per list, an upper bound of |x - centroid| over its points (grows on add, kept on
  // remove), and the largest centroid norm: exact searches skip lists by the triangle
  // inequality.
  std::vector<double> radius;
  double max_centroid_norm = 0;

  // Scratch reused by every search (search is const; the index is not thread-safe).
  mutable std::vector<float> query_f;
  mutable std::vector<float> approx = std::vector<float>(kChunkBlocks * detail::kBlockRows);
  mutable std::vector<std::uint16_t> below = std::vector<std::uint16_t>(kChunkBlocks);
  mutable std::vector<Candidate> pool;
  mutable VectorF centroid_scores;
  mutable std::vector<std::pair<float, std::uint32_t>> order;
  mutable std::vector<std::pair<double, std::uint64_t>> ranked;
  mutable SearchStats stats;

  Impl(std::size_t d, IndexOptions o) : dim(d), options(o) { lists.emplace_back(dim); }

  [[nodiscard]] bool trained() const { return centroids.cols() > 0; }

  std::size_t nearest_list(std::span<const double> p) const {
    VectorF v(static_cast<Eigen::Index>(dim));
    for (std::size_t i = 0; i < dim; ++i)
      v(static_cast<Eigen::Index>(i)) = static_cast<float>(p[i]);
    score_centroids(v.data());
    Eigen::Index best = 0;
    centroid_scores.minCoeff(&best);
    return static_cast<std::size_t>(best);
  }

  void append(std::size_t list, std::uint64_t id, std::span<const double> p) {
    PointList& l = lists[list];
    where[id] = {static_cast<std::uint32_t>(list), static_cast<std::uint32_t>(l.size())};
    const PointList::Stored stored = l.append(id, p);
    max_error = std::max(max_error, stored.error);
    max_norm = std::max(max_norm, stored.norm);
    if (trained()) {
      double d2 = 0;
      for (std::size_t i = 0; i < dim; ++i) {
        const double d = p[i] - static_cast<double>(centroids(static_cast<Eigen::Index>(i),
                                                              static_cast<Eigen::Index>(list)));
        d2 += d * d;
      }
      radius[list] = std::max(radius[list], std::sqrt(d2) * (1 + kThresholdSlack));
    }
  }

  // |c|^2 - 2 q.c for every centroid c, into centroid_scores.
  void score_centroids(const float* q) const {
    const Eigen::Map<const VectorF> qv(q, static_cast<Eigen::Index>(dim));
    centroid_scores.noalias() = centroids.transpose() * qv;
    centroid_scores = centroid_norms - 2.0F * centroid_scores;
  }

  // Coarse k-means over a sample, then every point into the list of its centroid.
  void train() {
    const std::size_t n = where.size();
    std::vector<std::uint64_t> ids;
    std::vector<double> exact;
    ids.reserve(n);
    exact.reserve(n * dim);
    for (const PointList& l : lists) {
      for (std::size_t r = 0; r < l.size(); ++r) {
        const std::span<const double> p = l.row(r);
        exact.insert(exact.end(), p.begin(), p.end());
        ids.push_back(l.id(r));
      }
    }
    const MatrixF all =
        Eigen::Map<const Eigen::MatrixXd>(exact.data(), static_cast<Eigen::Index>(dim),
                                          static_cast<Eigen::Index>(n))
            .cast<float>();
    const auto nlist = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(n)))));
    std::mt19937_64 rng(options.seed);
    std::vector<std::size_t> order_n(n);
    for (std::size_t i = 0; i < n; ++i) order_n[i] = i;
    std::shuffle(order_n.begin(), order_n.end(), rng);
    const std::size_t train_n = std::min(n, nlist * kTrainPointsPerList);
    MatrixF sample(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(train_n));
    for (std::size_t i = 0; i < train_n; ++i) {
      sample.col(static_cast<Eigen::Index>(i)) = all.col(static_cast<Eigen::Index>(order_n[i]));
    }
    centroids = detail::kmeans(sample, nlist, kKmeansIterations, rng);
    centroid_norms = centroids.colwise().squaredNorm().transpose();
    max_centroid_norm = std::sqrt(static_cast<double>(centroid_norms.maxCoeff()));
    radius.assign(nlist, 0.0);
    const std::vector<std::uint32_t> a = detail::nearest_centroids(all, centroids, centroid_norms);
    lists.assign(nlist, PointList(dim));
    where.clear();
    max_error = 0;
    max_norm = 0;
    for (std::size_t i = 0; i < n; ++i) append(a[i], ids[i], {exact.data() + i * dim, dim});
    trained_at = n;
  }

  void scan(std::uint32_t list, const float* q, float q_norm, CandidatePool& candidates) const {
    const PointList& l = lists[list];
    const std::size_t count = l.size();
    for (std::size_t first = 0; first < l.blocks(); first += kChunkBlocks) {
      const std::size_t n = std::min(kChunkBlocks, l.blocks() - first);
      l.approximate_distances(first, n, q, q_norm, candidates.threshold(), approx.data(),
                              below.data());
      for (std::size_t b = 0; b < n; ++b) {
        const std::size_t row0 = (first + b) * detail::kBlockRows;
        unsigned mask = below[b];
        if (row0 + detail::kBlockRows > count) mask &= (1U << (count - row0)) - 1;
        for (; mask != 0; mask &= mask - 1) {
          const auto lane = static_cast<std::size_t>(std::countr_zero(mask));
          const float a = approx[b * detail::kBlockRows + lane];
          if (a <= candidates.threshold()) {
            candidates.offer(a, list, static_cast<std::uint32_t>(row0 + lane));
          }
        }
      }
    }
    stats.scanned += count;
  }
};

NearestIndex::NearestIndex(std::size_t dim, IndexOptions options)
    : impl_(std::make_unique<Impl>(dim, options)) {}
NearestIndex::~NearestIndex() = default;
NearestIndex::NearestIndex(NearestIndex&&) noexcept = default;
NearestIndex& NearestIndex::operator=(NearestIndex&&) noexcept = default;

std::size_t NearestIndex::dim() const {
  return impl_->dim;
}
std::size_t NearestIndex::size() const {
  return impl_->where.size();
}
bool NearestIndex::approximate() const {
  return impl_->trained() && size() > impl_->options.approximate_above;
}
std::size_t NearestIndex::list_count() const {
  return impl_->lists.size();
}
SearchStats NearestIndex::last_search_stats() const {
  return impl_->stats;
}

void NearestIndex::set_probe(std::size_t probe_points, std::size_t min_probe) {
  impl_->options.probe_points = probe_points;
  impl_->options.min_probe = min_probe;
}

void NearestIndex::add(std::uint64_t id, std::span<const double> point) {
  assert(point.size() == impl_->dim);
  assert(!impl_->where.contains(id));
  Impl& s = *impl_;
  s.append(s.trained() ? s.nearest_list(point) : 0, id, point);
  const std::size_t n = size();
  if (n > s.options.approximate_above && (s.trained_at == 0 || n > 2 * s.trained_at)) s.train();
}

bool NearestIndex::remove(std::uint64_t id) {
  Impl& s = *impl_;
  const auto it = s.where.find(id);
  if (it == s.where.end()) return false;
  const auto [list, row] = it->second;
  s.where.erase(it);
  if (const auto moved = s.lists[list].erase(row)) s.where[*moved] = {list, row};
  return true;
}

std::vector<IndexHit> NearestIndex::search(std::span<const double> query, std::size_t k,
                                           SearchMode mode) const {
  assert(query.size() == impl_->dim);
  const Impl& s = *impl_;
  s.stats = {};
  std::vector<IndexHit> out;
  if (k == 0 || size() == 0) return out;
  // The float query, its rounding error and the kernel's error bound (bf16_kernel.h).
  s.query_f.resize(s.dim);
  double q_norm = 0;
  double q_error2 = 0;
  for (std::size_t i = 0; i < s.dim; ++i) {
    const float v = static_cast<float>(query[i]);
    s.query_f[i] = v;
    q_norm += static_cast<double>(v) * v;
    q_error2 += (query[i] - v) * (query[i] - v);
  }
  const double reach = std::sqrt(q_norm) + s.max_norm;
  const double delta = static_cast<double>(s.dim + 8) * std::ldexp(1.0, -23) * reach * reach;
  const double error = (s.max_error + std::sqrt(q_error2)) * (1 + kThresholdSlack);
  CandidatePool pool(s.pool, k, delta, error);
  const float* q = s.query_f.data();
  const auto qn = static_cast<float>(q_norm);

  const auto nlist = static_cast<std::uint32_t>(s.lists.size());
  if (!s.trained()) {
    s.scan(0, q, qn, pool);
  } else if (mode == SearchMode::kExact || !approximate()) {
    // Every list, nearest bound first, until the bound passes the candidate threshold. For a
    // point x of list c: |q~ - x~| >= |q~ - c| - radius_c - error, and |q~ - c|^2 is the
    // centroid score + |q~|^2 up to float rounding (delta_c).
    s.score_centroids(q);
    const double reach_c = std::sqrt(q_norm) + s.max_centroid_norm;
    const double delta_c =
        static_cast<double>(s.dim + 8) * std::ldexp(1.0, -23) * reach_c * reach_c;
    s.order.resize(nlist);
    for (std::uint32_t c = 0; c < nlist; ++c) {
      const double to_centre =
          std::sqrt(std::max(0.0, static_cast<double>(s.centroid_scores(c)) + q_norm - delta_c));
      const double lower = to_centre - s.radius[c] - error;
      const double bound = lower > 0 ? (lower * lower - delta) * (1 - kThresholdSlack) : 0.0;
      s.order[c] = {static_cast<float>(bound), c};  // rounded to nearest: slack covers it
    }
    std::sort(s.order.begin(), s.order.end());
    for (const auto& [bound, c] : s.order) {
      if (bound > pool.threshold()) break;
      s.scan(c, q, qn, pool);
    }
  } else {
    // The `probe` lists of the nearest centroids.
    s.score_centroids(q);
    const double per_list = static_cast<double>(size()) / static_cast<double>(nlist);
    const auto wanted = static_cast<std::size_t>(
        std::ceil(static_cast<double>(s.options.probe_points) / std::max(1.0, per_list)));
    const std::size_t probe =
        std::clamp<std::size_t>(std::max(wanted, s.options.min_probe), 1, nlist);
    s.order.resize(nlist);
    for (std::uint32_t c = 0; c < nlist; ++c) s.order[c] = {s.centroid_scores(c), c};
    std::nth_element(s.order.begin(), s.order.begin() + static_cast<std::ptrdiff_t>(probe - 1),
                     s.order.end());
    for (std::size_t i = 0; i < probe; ++i) s.scan(s.order[i].second, q, qn, pool);
  }
  pool.finish();

  s.ranked.clear();
  for (const Candidate& c : s.pool) {
    const PointList& l = s.lists[c.list];
    s.ranked.emplace_back(l.exact_squared_distance(c.row, query), l.id(c.row));
  }
  s.stats.reranked = s.ranked.size();
  const std::size_t kept = std::min(k, s.ranked.size());
  std::partial_sort(s.ranked.begin(), s.ranked.begin() + static_cast<std::ptrdiff_t>(kept),
                    s.ranked.end());
  out.reserve(kept);
  for (std::size_t i = 0; i < kept; ++i) {
    out.push_back({s.ranked[i].second, s.ranked[i].first});
  }
  return out;
}

const char* scan_kernel_name() {
  return detail::kernel_name();
}

}  // namespace augur::predict
