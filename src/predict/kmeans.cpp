#include "kmeans.h"

#include <algorithm>
#include <numeric>

namespace augur::predict::detail {

namespace {

constexpr Eigen::Index kAssignBlock = 4096;  // points per matrix product when assigning

}  // namespace

std::vector<std::uint32_t> nearest_centroids(const MatrixF& points, const MatrixF& centroids,
                                             const VectorF& centroid_norms) {
  std::vector<std::uint32_t> out(static_cast<std::size_t>(points.cols()));
  MatrixF scores;
  for (Eigen::Index start = 0; start < points.cols(); start += kAssignBlock) {
    const Eigen::Index n = std::min(kAssignBlock, points.cols() - start);
    // |p - c|^2 - |p|^2 = |c|^2 - 2 c.p: the point's own norm does not change the order.
    scores.noalias() = centroids.transpose() * points.middleCols(start, n);
    scores = (-2.0F * scores).colwise() + centroid_norms;
    for (Eigen::Index j = 0; j < n; ++j) {
      Eigen::Index best = 0;
      scores.col(j).minCoeff(&best);
      out[static_cast<std::size_t>(start + j)] = static_cast<std::uint32_t>(best);
    }
  }
  return out;
}

MatrixF kmeans(const MatrixF& sample, std::size_t clusters, int iterations, std::mt19937_64& rng) {
  const auto n = static_cast<std::size_t>(sample.cols());
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  const auto k = static_cast<Eigen::Index>(clusters);
  MatrixF centroids(sample.rows(), k);
  for (Eigen::Index c = 0; c < k; ++c) {
    centroids.col(c) = sample.col(static_cast<Eigen::Index>(order[static_cast<std::size_t>(c)]));
  }
  std::uniform_int_distribution<Eigen::Index> pick(0, sample.cols() - 1);
  MatrixF sums(sample.rows(), k);
  std::vector<std::size_t> counts(clusters);
  for (int it = 0; it < iterations; ++it) {
    const VectorF norms = centroids.colwise().squaredNorm().transpose();
    const std::vector<std::uint32_t> a = nearest_centroids(sample, centroids, norms);
    sums.setZero();
    std::fill(counts.begin(), counts.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      sums.col(a[i]) += sample.col(static_cast<Eigen::Index>(i));
      ++counts[a[i]];
    }
    for (Eigen::Index c = 0; c < k; ++c) {
      const std::size_t count = counts[static_cast<std::size_t>(c)];
      if (count > 0) {
        centroids.col(c) = sums.col(c) / static_cast<float>(count);
      } else {
        centroids.col(c) = sample.col(pick(rng));
      }
    }
  }
  return centroids;
}

}  // namespace augur::predict::detail
