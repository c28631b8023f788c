#include "point_list.h"

#include <algorithm>
#include <cmath>

#include "bf16_kernel.h"

namespace augur::predict::detail {

namespace {

constexpr std::uint32_t kLowHalf = 0x0000FFFFU;

}  // namespace

PointList::Stored PointList::encode(std::size_t row, const double* point) {
  const std::size_t block = row / kBlockRows;
  const std::size_t lane = row % kBlockRows;
  const bool high = lane >= kBlockWords;
  std::uint32_t* w = words_.data() + block * dim_ * kBlockWords + lane % kBlockWords;
  double error2 = 0;
  double norm2 = 0;
  for (std::size_t j = 0; j < dim_; ++j, w += kBlockWords) {
    const double x = point != nullptr ? point[j] : 0.0;
    const std::uint16_t h = to_bf16(static_cast<float>(x));
    *w = high ? (*w & kLowHalf) | (std::uint32_t{h} << 16) : (*w & ~kLowHalf) | h;
    const double stored = from_bf16(h);
    error2 += (x - stored) * (x - stored);
    norm2 += stored * stored;
  }
  norms_[row] = static_cast<float>(norm2);
  return {std::sqrt(error2), std::sqrt(norm2)};
}

PointList::Stored PointList::append(std::uint64_t id, std::span<const double> point) {
  const std::size_t row = ids_.size();
  if (row == norms_.size()) {
    words_.resize(words_.size() + dim_ * kBlockWords, 0);
    norms_.resize(norms_.size() + kBlockRows, 0);
  }
  ids_.push_back(id);
  exact_.insert(exact_.end(), point.begin(), point.end());
  return encode(row, point.data());
}

std::optional<std::uint64_t> PointList::erase(std::size_t row) {
  const std::size_t last = ids_.size() - 1;
  std::optional<std::uint64_t> moved;
  if (row != last) {
    ids_[row] = ids_[last];
    std::copy_n(exact_.data() + last * dim_, dim_, exact_.data() + row * dim_);
    encode(row, exact_.data() + row * dim_);
    moved = ids_[row];
  }
  // Zero the freed lane so padding stays the zero point; drop a block left empty.
  encode(last, nullptr);
  ids_.pop_back();
  exact_.resize(last * dim_);
  if (last % kBlockRows == 0) {
    words_.resize(words_.size() - dim_ * kBlockWords);
    norms_.resize(norms_.size() - kBlockRows);
  }
  return moved;
}

void PointList::approximate_distances(std::size_t first, std::size_t count, const float* q,
                                      float q_norm, float threshold, float* out,
                                      std::uint16_t* below) const {
  block_distances(q, q_norm, dim_, words_.data() + first * dim_ * kBlockWords,
                  norms_.data() + first * kBlockRows, count, threshold, out, below);
}

double PointList::exact_squared_distance(std::size_t row, std::span<const double> q) const {
  const double* x = exact_.data() + row * dim_;
  double sum = 0;
  for (std::size_t j = 0; j < dim_; ++j) sum += (q[j] - x[j]) * (q[j] - x[j]);
  return sum;
}

}  // namespace augur::predict::detail
