// The scan kernel: bfloat16 rounding, and both paths within the documented error bound of
// the exact distance to the stored points.
#include "bf16_kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace augur::predict::detail {
namespace {

TEST(Bf16Kernel, RoundsToNearestWithinHalfAnUlp) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> mantissa(1.0F, 2.0F);
  std::uniform_int_distribution<int> exponent(-60, 60);
  for (int i = 0; i < 100000; ++i) {
    const float v = std::ldexp(mantissa(rng), exponent(rng)) * (i % 2 == 0 ? 1.0F : -1.0F);
    const float r = from_bf16(to_bf16(v));
    ASSERT_LE(std::abs(r - v), std::ldexp(std::abs(v), -8)) << v;
  }
  EXPECT_EQ(from_bf16(to_bf16(1.0F)), 1.0F);
  EXPECT_EQ(from_bf16(to_bf16(-0.5F)), -0.5F);
  EXPECT_EQ(from_bf16(to_bf16(0.0F)), 0.0F);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
  EXPECT_EQ(from_bf16(to_bf16(1.0F + std::ldexp(1.0F, -8))), 1.0F);
}

// Builds `rows` random rows of `dim` coordinates in the kernel's block layout.
struct Blocks {
  std::vector<std::uint32_t> words;
  std::vector<float> norms;
  std::vector<std::vector<float>> stored;  // the bfloat16 values, as floats
};

Blocks make_blocks(std::size_t rows, std::size_t dim, std::mt19937_64& rng) {
  const std::size_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  Blocks b;
  b.words.assign(blocks * dim * kBlockWords, 0);
  b.norms.assign(blocks * kBlockRows, 0);
  std::normal_distribution<float> n(0, 1);
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<float> row(dim);
    double norm = 0;
    for (std::size_t j = 0; j < dim; ++j) {
      const std::uint16_t h = to_bf16(n(rng) * (j == dim - 1 ? 3.0F : 0.2F));
      row[j] = from_bf16(h);
      norm += static_cast<double>(row[j]) * row[j];
      std::uint32_t& w = b.words[((r / kBlockRows) * dim + j) * kBlockWords + r % kBlockWords];
      w |= r % kBlockRows < kBlockWords ? h : std::uint32_t{h} << 16;
    }
    b.norms[r] = static_cast<float>(norm);
    b.stored.push_back(row);
  }
  return b;
}

TEST(Bf16Kernel, BothPathsStayWithinTheErrorBound) {
  std::mt19937_64 rng(4);
  for (std::size_t dim : {1U, 2U, 7U, 33U, 65U}) {
    const std::size_t rows = 16 * 5 + 3;
    const Blocks b = make_blocks(rows, dim, rng);
    std::normal_distribution<float> n(0, 1);
    std::vector<float> q(dim);
    double q_norm = 0;
    for (float& v : q) {
      v = n(rng) * 0.3F;
      q_norm += static_cast<double>(v) * v;
    }
    const std::size_t blocks = b.norms.size() / kBlockRows;
    std::vector<float> fast(b.norms.size());
    std::vector<float> portable(b.norms.size());
    std::vector<std::uint16_t> below_fast(blocks);
    std::vector<std::uint16_t> below_portable(blocks);
    const float threshold = static_cast<float>(q_norm) + 1.0F;
    block_distances(q.data(), static_cast<float>(q_norm), dim, b.words.data(), b.norms.data(),
                    blocks, threshold, fast.data(), below_fast.data());
    block_distances_portable(q.data(), static_cast<float>(q_norm), dim, b.words.data(),
                             b.norms.data(), blocks, threshold, portable.data(),
                             below_portable.data());
    for (std::size_t r = 0; r < rows; ++r) {
      double exact = 0;
      double x_norm = 0;
      for (std::size_t j = 0; j < dim; ++j) {
        const double d = static_cast<double>(q[j]) - b.stored[r][j];
        exact += d * d;
        x_norm += static_cast<double>(b.stored[r][j]) * b.stored[r][j];
      }
      const double reach = std::sqrt(q_norm) + std::sqrt(x_norm);
      const double bound = static_cast<double>(dim + 8) * std::ldexp(1.0, -23) * reach * reach;
      EXPECT_LE(std::abs(fast[r] - exact), bound) << "dim " << dim << " row " << r;
      EXPECT_LE(std::abs(portable[r] - exact), bound) << "dim " << dim << " row " << r;
      const std::size_t lane = r % kBlockRows;
      EXPECT_EQ(((below_fast[r / kBlockRows] >> lane) & 1U) != 0, fast[r] <= threshold);
      EXPECT_EQ(((below_portable[r / kBlockRows] >> lane) & 1U) != 0, portable[r] <= threshold);
    }
  }
  std::printf("scan kernel on this CPU: %s\n", kernel_name());
}

}  // namespace
}  // namespace augur::predict::detail
