#include "bf16_kernel.h"

#include <bit>
#include <cmath>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define AUGUR_PREDICT_X86 1
#include <immintrin.h>
#endif

namespace augur::predict::detail {

namespace {

constexpr std::uint32_t kHighHalf = 0xFFFF0000U;

float low_as_float(std::uint32_t word) {
  return std::bit_cast<float>(word << 16);
}
float high_as_float(std::uint32_t word) {
  return std::bit_cast<float>(word & kHighHalf);
}

}  // namespace

// Plain loops over the 8 words of a coordinate: compilers vectorize them with SSE2.
void block_distances_portable(const float* q, float q_norm, std::size_t dim,
                              const std::uint32_t* words, const float* norms, std::size_t blocks,
                              float threshold, float* out, std::uint16_t* below) {
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::uint32_t* block = words + b * dim * kBlockWords;
    float low[kBlockWords] = {};
    float high[kBlockWords] = {};
    for (std::size_t j = 0; j < dim; ++j) {
      const float qj = q[j];
      const std::uint32_t* w = block + j * kBlockWords;
      for (std::size_t i = 0; i < kBlockWords; ++i) {
        low[i] += qj * low_as_float(w[i]);
        high[i] += qj * high_as_float(w[i]);
      }
    }
    float* o = out + b * kBlockRows;
    const float* n = norms + b * kBlockRows;
    unsigned mask = 0;
    for (std::size_t i = 0; i < kBlockWords; ++i) {
      o[i] = q_norm + n[i] - 2.0F * low[i];
      o[i + kBlockWords] = q_norm + n[i + kBlockWords] - 2.0F * high[i];
    }
    for (std::size_t i = 0; i < kBlockRows; ++i) mask |= (o[i] <= threshold ? 1U : 0U) << i;
    below[b] = static_cast<std::uint16_t>(mask);
  }
}

namespace {

#ifdef AUGUR_PREDICT_X86
// Two accumulator pairs (even and odd coordinates) hide the FMA latency.
__attribute__((target("avx2,fma"))) void block_distances_avx2(
    const float* q, float q_norm, std::size_t dim, const std::uint32_t* words, const float* norms,
    std::size_t blocks, float threshold, float* out, std::uint16_t* below) {
  const __m256i high_mask = _mm256_set1_epi32(static_cast<int>(kHighHalf));
  const __m256 base = _mm256_set1_ps(q_norm);
  const __m256 minus_two = _mm256_set1_ps(-2.0F);
  const __m256 limit = _mm256_set1_ps(threshold);
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::uint32_t* block = words + b * dim * kBlockWords;
    __m256 low0 = _mm256_setzero_ps();
    __m256 high0 = _mm256_setzero_ps();
    __m256 low1 = _mm256_setzero_ps();
    __m256 high1 = _mm256_setzero_ps();
    std::size_t j = 0;
    for (; j + 2 <= dim; j += 2) {
      const __m256i w0 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + j * kBlockWords));
      const __m256i w1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + (j + 1) * kBlockWords));
      const __m256 q0 = _mm256_broadcast_ss(q + j);
      const __m256 q1 = _mm256_broadcast_ss(q + j + 1);
      low0 = _mm256_fmadd_ps(q0, _mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), low0);
      high0 = _mm256_fmadd_ps(q0, _mm256_castsi256_ps(_mm256_and_si256(w0, high_mask)), high0);
      low1 = _mm256_fmadd_ps(q1, _mm256_castsi256_ps(_mm256_slli_epi32(w1, 16)), low1);
      high1 = _mm256_fmadd_ps(q1, _mm256_castsi256_ps(_mm256_and_si256(w1, high_mask)), high1);
    }
    if (j < dim) {
      const __m256i w0 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + j * kBlockWords));
      const __m256 q0 = _mm256_broadcast_ss(q + j);
      low0 = _mm256_fmadd_ps(q0, _mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), low0);
      high0 = _mm256_fmadd_ps(q0, _mm256_castsi256_ps(_mm256_and_si256(w0, high_mask)), high0);
    }
    const float* n = norms + b * kBlockRows;
    float* o = out + b * kBlockRows;
    const __m256 low = _mm256_add_ps(low0, low1);
    const __m256 high = _mm256_add_ps(high0, high1);
    const __m256 d_low = _mm256_fmadd_ps(minus_two, low, _mm256_add_ps(base, _mm256_loadu_ps(n)));
    const __m256 d_high =
        _mm256_fmadd_ps(minus_two, high, _mm256_add_ps(base, _mm256_loadu_ps(n + kBlockWords)));
    _mm256_storeu_ps(o, d_low);
    _mm256_storeu_ps(o + kBlockWords, d_high);
    const int mask_low = _mm256_movemask_ps(_mm256_cmp_ps(d_low, limit, _CMP_LE_OQ));
    const int mask_high = _mm256_movemask_ps(_mm256_cmp_ps(d_high, limit, _CMP_LE_OQ));
    below[b] = static_cast<std::uint16_t>(mask_low | (mask_high << 8));
  }
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

}  // namespace

std::uint16_t to_bf16(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  if (std::isnan(v)) return static_cast<std::uint16_t>(bits >> 16);
  // Round to nearest, ties to even: add 0x7FFF plus the lowest kept bit.
  const std::uint32_t rounded = bits + 0x7FFFU + ((bits >> 16) & 1U);
  return static_cast<std::uint16_t>(rounded >> 16);
}

float from_bf16(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

void block_distances(const float* q, float q_norm, std::size_t dim, const std::uint32_t* words,
                     const float* norms, std::size_t blocks, float threshold, float* out,
                     std::uint16_t* below) {
#ifdef AUGUR_PREDICT_X86
  if (has_avx2()) {
    block_distances_avx2(q, q_norm, dim, words, norms, blocks, threshold, out, below);
    return;
  }
#endif
  block_distances_portable(q, q_norm, dim, words, norms, blocks, threshold, out, below);
}

const char* kernel_name() {
#ifdef AUGUR_PREDICT_X86
  if (has_avx2()) return "avx2";
#endif
  return "portable";
}

}  // namespace augur::predict::detail
