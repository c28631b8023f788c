#pragma once
// One list of NearestIndex's points (internal): ids, the exact coordinates (double,
// row-major, for re-ranking candidates) and their bfloat16 copy in the kernel's blocks (for
// scanning; bf16_kernel.h). Rows are dense: removal moves the last row into the hole.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bf16_kernel.h"

namespace augur::predict::detail {

class PointList {
 public:
  explicit PointList(std::size_t dim) : dim_(dim) {}

  [[nodiscard]] std::size_t size() const { return ids_.size(); }
  // Rows the kernel writes: size() rounded up to whole blocks.
  [[nodiscard]] std::size_t padded_size() const { return norms_.size(); }
  [[nodiscard]] std::uint64_t id(std::size_t row) const { return ids_[row]; }
  [[nodiscard]] std::span<const double> row(std::size_t r) const {
    return {exact_.data() + r * dim_, dim_};
  }

  // What storing a point in bfloat16 cost: |x - x~| and |x~| (for the index's error bound).
  struct Stored {
    double error = 0;
    double norm = 0;
  };
  // Contract: point.size() == dim.
  Stored append(std::uint64_t id, std::span<const double> point);
  // Removes `row` by moving the last row into it; returns the id that moved, if any.
  std::optional<std::uint64_t> erase(std::size_t row);

  [[nodiscard]] std::size_t blocks() const { return padded_size() / kBlockRows; }
  // Blocks [first, first + count) through block_distances (bf16_kernel.h): out[i] and
  // below[i / kBlockRows] describe row first * kBlockRows + i (rows past size(): junk).
  void approximate_distances(std::size_t first, std::size_t count, const float* q, float q_norm,
                             float threshold, float* out, std::uint16_t* below) const;
  // sum_j (q_j - x_rj)^2 in double, coordinates in order (as a naive loop computes it).
  [[nodiscard]] double exact_squared_distance(std::size_t row, std::span<const double> q) const;

 private:
  // Writes row's bfloat16 copy and norm; point == nullptr writes the zero point.
  Stored encode(std::size_t row, const double* point);

  std::size_t dim_;
  std::vector<std::uint64_t> ids_;
  std::vector<double> exact_;         // size() x dim, row-major
  std::vector<std::uint32_t> words_;  // blocks x dim x kBlockWords
  std::vector<float> norms_;          // |x~|^2 per row, whole blocks (0 past size())
};

}  // namespace augur::predict::detail
