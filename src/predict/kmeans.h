#pragma once
// Coarse k-means for NearestIndex's inverted lists (internal; Eigen stays out of the public
// headers).
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace augur::predict::detail {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using VectorF = Eigen::Matrix<float, Eigen::Dynamic, 1>;

// Index of the nearest centroid (column of `centroids`) of every column of `points`, by
// blocked matrix products; centroid_norms are the centroids' squared norms.
std::vector<std::uint32_t> nearest_centroids(const MatrixF& points, const MatrixF& centroids,
                                             const VectorF& centroid_norms);

// Lloyd's algorithm over the columns of `sample`, started from `clusters` distinct random
// columns; a cluster left empty restarts at a random column. Contract: 0 < clusters <=
// sample.cols().
MatrixF kmeans(const MatrixF& sample, std::size_t clusters, int iterations, std::mt19937_64& rng);

}  // namespace augur::predict::detail
