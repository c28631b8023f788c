#include "augur/predict/nearest_index.h"

#include <Eigen/Core>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <queue>
#include <random>
#include <unordered_map>
#include <utility>

namespace augur::predict {

namespace {

// k-means settings: Lloyd iterations and training sample per list. Lloyd converges to
// usable lists in a few iterations; 10 and 40 points per list follow common IVF practice
// (faiss warns below ~39 points per centroid).
constexpr int kKmeansIterations = 10;
constexpr std::size_t kTrainPointsPerList = 40;
constexpr std::size_t kAssignBlock = 4096;  // points per GEMM block when assigning

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;

// One inverted list: points as contiguous float columns.
struct List {
  std::vector<float> data;   // dim x count, column-major
  std::vector<float> norms;  // squared norm per point
  std::vector<std::uint64_t> ids;
  // Upper bound of the distance of any point of the list to its centroid (grows on add,
  // kept on remove), for the triangle-inequality bound of exact search.
  float radius = 0;
};

// Slack on squared distances for the exact-search bound: the index's float distances
// (|p|^2 + |q|^2 - 2 p.q) carry rounding of about 1e-6 of the norms (which are below 100).
constexpr float kBoundSlack = 1e-3F;

// (squared distance, id): ordered so the heap's top is the worst kept hit.
using Hit = std::pair<float, std::uint64_t>;

class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) {}
  void offer(float d, std::uint64_t id) {
    if (k_ == 0) return;
    const Hit h{d, id};
    if (heap_.size() < k_) {
      heap_.push(h);
    } else if (h < heap_.top()) {
      heap_.pop();
      heap_.push(h);
    }
  }
  // The k-th best squared distance so far; +inf until k hits are held.
  [[nodiscard]] float worst() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.top().first;
  }
  std::vector<IndexHit> sorted() {
    std::vector<IndexHit> out(heap_.size());
    for (std::size_t i = out.size(); i-- > 0;) {
      out[i] = IndexHit{heap_.top().second, heap_.top().first};
      heap_.pop();
    }
    return out;
  }

 private:
  std::size_t k_;
  std::priority_queue<Hit> heap_;
};

}  // namespace

struct NearestIndex::Impl {
  std::size_t dim;
  IndexOptions options;
  std::vector<List> lists{1};
  MatrixF centroids;  // dim x lists (empty while untrained)
  VectorF centroid_norms;
  std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> where;
  std::size_t trained_at = 0;  // size at the last training, 0: never

  [[nodiscard]] bool trained() const { return centroids.cols() > 0; }

  float centroid_distance(std::size_t list, const float* p) const {
    float sum = 0;
    for (std::size_t i = 0; i < dim; ++i) {
      const float d =
          p[i] - centroids(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(list));
      sum += d * d;
    }
    return std::sqrt(sum);
  }

  std::size_t nearest_list(const float* p) const {
    const Eigen::Map<const VectorF> v(p, static_cast<Eigen::Index>(dim));
    VectorF d = centroid_norms - 2.0F * (centroids.transpose() * v);
    Eigen::Index best = 0;
    d.minCoeff(&best);
    return static_cast<std::size_t>(best);
  }

  void append(std::size_t list, std::uint64_t id, const float* p) {
    List& l = lists[list];
    float norm = 0;
    for (std::size_t i = 0; i < dim; ++i) norm += p[i] * p[i];
    where[id] = {static_cast<std::uint32_t>(list), static_cast<std::uint32_t>(l.ids.size())};
    l.data.insert(l.data.end(), p, p + dim);
    l.norms.push_back(norm);
    l.ids.push_back(id);
  }

  // Assignment of every column of `points` to its nearest centroid, by blocked GEMM.
  std::vector<std::uint32_t> assign(const MatrixF& points) const {
    std::vector<std::uint32_t> out(static_cast<std::size_t>(points.cols()));
    for (Eigen::Index start = 0; start < points.cols();
         start += static_cast<Eigen::Index>(kAssignBlock)) {
      const Eigen::Index n =
          std::min<Eigen::Index>(static_cast<Eigen::Index>(kAssignBlock), points.cols() - start);
      MatrixF scores = centroids.transpose() * points.middleCols(start, n);
      scores = (-2.0F * scores).colwise() + centroid_norms;
      for (Eigen::Index j = 0; j < n; ++j) {
        Eigen::Index best = 0;
        scores.col(j).minCoeff(&best);
        out[static_cast<std::size_t>(start + j)] = static_cast<std::uint32_t>(best);
      }
    }
    return out;
  }

  // Coarse k-means over a sample, then every point into the list of its centroid.
  void train() {
    const std::size_t n = where.size();
    MatrixF all(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(n));
    std::vector<std::uint64_t> ids;
    ids.reserve(n);
    for (const List& l : lists) {
      for (std::size_t j = 0; j < l.ids.size(); ++j) {
        std::copy_n(l.data.data() + j * dim, dim,
                    all.col(static_cast<Eigen::Index>(ids.size())).data());
        ids.push_back(l.ids[j]);
      }
    }
    const auto nlist = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(n)))));
    std::mt19937_64 rng(options.seed);
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    const std::size_t train_n = std::min(n, nlist * kTrainPointsPerList);
    MatrixF sample(static_cast<Eigen::Index>(dim), static_cast<Eigen::Index>(train_n));
    for (std::size_t i = 0; i < train_n; ++i) {
      sample.col(static_cast<Eigen::Index>(i)) = all.col(static_cast<Eigen::Index>(order[i]));
    }
    centroids = sample.leftCols(static_cast<Eigen::Index>(nlist));
    std::uniform_int_distribution<std::size_t> pick(0, train_n - 1);
    for (int it = 0; it < kKmeansIterations; ++it) {
      centroid_norms = centroids.colwise().squaredNorm().transpose();
      const std::vector<std::uint32_t> a = assign(sample);
      MatrixF sums = MatrixF::Zero(centroids.rows(), centroids.cols());
      std::vector<std::size_t> counts(nlist, 0);
      for (std::size_t i = 0; i < train_n; ++i) {
        sums.col(a[i]) += sample.col(static_cast<Eigen::Index>(i));
        ++counts[a[i]];
      }
      for (std::size_t c = 0; c < nlist; ++c) {
        const auto col = static_cast<Eigen::Index>(c);
        // An empty list restarts at a random sample point.
        centroids.col(col) = counts[c] > 0
                                 ? VectorF(sums.col(col) / static_cast<float>(counts[c]))
                                 : VectorF(sample.col(static_cast<Eigen::Index>(pick(rng))));
      }
    }
    centroid_norms = centroids.colwise().squaredNorm().transpose();
    const std::vector<std::uint32_t> a = assign(all);
    lists.assign(nlist, List{});
    where.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const float* p = all.col(static_cast<Eigen::Index>(i)).data();
      append(a[i], ids[i], p);
      lists[a[i]].radius = std::max(lists[a[i]].radius, centroid_distance(a[i], p));
    }
    trained_at = n;
  }

  void scan(const List& l, const VectorF& q, float q_norm, VectorF& scratch, TopK& top) const {
    const auto count = static_cast<Eigen::Index>(l.ids.size());
    if (count == 0) return;
    const Eigen::Map<const MatrixF> m(l.data.data(), static_cast<Eigen::Index>(dim), count);
    auto dots = scratch.head(count);
    dots.noalias() = m.transpose() * q;
    for (Eigen::Index j = 0; j < count; ++j) {
      const float d =
          std::max(0.0F, l.norms[static_cast<std::size_t>(j)] + q_norm - 2.0F * dots(j));
      top.offer(d, l.ids[static_cast<std::size_t>(j)]);
    }
  }
};

NearestIndex::NearestIndex(std::size_t dim, IndexOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->dim = dim;
  impl_->options = options;
}
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

void NearestIndex::set_probe(double probe_fraction, std::size_t min_probe) {
  impl_->options.probe_fraction = probe_fraction;
  impl_->options.min_probe = min_probe;
}

void NearestIndex::add(std::uint64_t id, std::span<const double> point) {
  assert(point.size() == impl_->dim);
  assert(!impl_->where.contains(id));
  std::vector<float> p(point.begin(), point.end());
  const std::size_t list = impl_->trained() ? impl_->nearest_list(p.data()) : 0;
  impl_->append(list, id, p.data());
  if (impl_->trained()) {
    float& radius = impl_->lists[list].radius;
    radius = std::max(radius, impl_->centroid_distance(list, p.data()));
  }
  const std::size_t n = size();
  if (n > impl_->options.approximate_above &&
      (impl_->trained_at == 0 || n > 2 * impl_->trained_at)) {
    impl_->train();
  }
}

bool NearestIndex::remove(std::uint64_t id) {
  const auto it = impl_->where.find(id);
  if (it == impl_->where.end()) return false;
  const auto [list, col] = it->second;
  impl_->where.erase(it);
  List& l = impl_->lists[list];
  const std::size_t last = l.ids.size() - 1;
  const std::size_t dim = impl_->dim;
  if (col != last) {
    std::copy_n(l.data.data() + last * dim, dim, l.data.data() + std::size_t{col} * dim);
    l.norms[col] = l.norms[last];
    l.ids[col] = l.ids[last];
    impl_->where[l.ids[col]] = {list, col};
  }
  l.data.resize(last * dim);
  l.norms.pop_back();
  l.ids.pop_back();
  return true;
}

std::vector<IndexHit> NearestIndex::search(std::span<const double> query, std::size_t k,
                                           SearchMode mode) const {
  assert(query.size() == impl_->dim);
  const Impl& s = *impl_;
  VectorF q(static_cast<Eigen::Index>(s.dim));
  for (std::size_t i = 0; i < s.dim; ++i)
    q(static_cast<Eigen::Index>(i)) = static_cast<float>(query[i]);
  const float q_norm = q.squaredNorm();
  std::size_t longest = 0;
  for (const List& l : s.lists) longest = std::max(longest, l.ids.size());
  VectorF scratch(static_cast<Eigen::Index>(longest));
  TopK top(k);
  if (!s.trained()) {
    s.scan(s.lists[0], q, q_norm, scratch, top);
    return top.sorted();
  }
  const std::size_t nlist = s.lists.size();
  const VectorF cd = s.centroid_norms - 2.0F * (s.centroids.transpose() * q);
  if (mode == SearchMode::kExact || !approximate()) {
    // Lists in order of the triangle-inequality lower bound |q - c| - radius of their
    // points' distance; stop once that bound exceeds the k-th best: exact, and on
    // clustered directions far fewer points than a full scan.
    std::vector<std::pair<float, std::uint32_t>> bound(nlist);
    for (std::size_t c = 0; c < nlist; ++c) {
      const float to_centre = std::sqrt(std::max(0.0F, cd(static_cast<Eigen::Index>(c)) + q_norm));
      const float lower = std::max(0.0F, to_centre - s.lists[c].radius);
      bound[c] = {lower * lower, static_cast<std::uint32_t>(c)};
    }
    std::sort(bound.begin(), bound.end());
    for (const auto& [lower2, c] : bound) {
      if (lower2 > top.worst() + kBoundSlack) break;
      s.scan(s.lists[c], q, q_norm, scratch, top);
    }
    return top.sorted();
  }
  const std::size_t probe =
      std::min(nlist, std::max(s.options.min_probe,
                               static_cast<std::size_t>(std::ceil(s.options.probe_fraction *
                                                                  static_cast<double>(nlist)))));
  std::vector<std::pair<float, std::uint32_t>> order(nlist);
  for (std::size_t c = 0; c < nlist; ++c)
    order[c] = {cd(static_cast<Eigen::Index>(c)), static_cast<std::uint32_t>(c)};
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(probe - 1),
                   order.end());
  for (std::size_t i = 0; i < probe; ++i) s.scan(s.lists[order[i].second], q, q_norm, scratch, top);
  return top.sorted();
}

}  // namespace augur::predict
