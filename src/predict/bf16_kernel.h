#pragma once
// The scan kernel of NearestIndex (internal): approximate squared distances from one query
// to blocks of points stored as bfloat16 (a float's upper 16 bits, rounded to nearest even:
// 8 significant bits, relative error <= 2^-8). Half the bytes of float is what matters: the
// scan is bound by cache bandwidth, and 1e4 points of 65 coordinates fit L2 this way.
//
// Layout: points in blocks of kBlockRows rows. A block holds, for each coordinate j in
// order, kBlockWords 32-bit words; word w carries row w's value in its low half and row
// w + kBlockWords's in its high half. A 256-bit load then gives 8 rows' floats by one shift
// (low halves) and one mask (high halves), with no shuffle.
#include <cstddef>
#include <cstdint>

namespace augur::predict::detail {

inline constexpr std::size_t kBlockRows = 16;
inline constexpr std::size_t kBlockWords = kBlockRows / 2;

std::uint16_t to_bf16(float v);
float from_bf16(std::uint16_t h);

// For each of `blocks` blocks of `dim` coordinates at `words`:
//   out[b * kBlockRows + l] = q_norm + norms[b * kBlockRows + l] - 2 * (q . x~[b, l])
//   bit l of below[b] set when out[b * kBlockRows + l] <= threshold
// in float arithmetic (x~: the stored bfloat16 values; norms: |x~|^2 per row). Rounding
// error at most (dim + 8) * 2^-23 * (|q| + |x~|)^2 on either path (AVX2 + FMA when the CPU
// has them, else portable code).
void block_distances(const float* q, float q_norm, std::size_t dim, const std::uint32_t* words,
                     const float* norms, std::size_t blocks, float threshold, float* out,
                     std::uint16_t* below);

// The portable path alone (tests compare it with the dispatched one).
void block_distances_portable(const float* q, float q_norm, std::size_t dim,
                              const std::uint32_t* words, const float* norms, std::size_t blocks,
                              float threshold, float* out, std::uint16_t* below);

// Which path block_distances takes on this CPU ("avx2" or "portable"), for the bench.
const char* kernel_name();

}  // namespace augur::predict::detail
