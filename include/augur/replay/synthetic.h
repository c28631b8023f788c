#pragma once
// Synthetic traces with phase changes, for tests and the demo.
//
// Model, per instance i, resource r and step t (all draws from one seeded generator:
// splitmix64 + Box-Muller, no std:: distributions, whose output differs between standard
// libraries, so a seed gives the same trace wherever libm's log and cos agree):
//   d(i,r,t) = b(i,r) * m_i(t) * max(0, 1 + noise * z),   z ~ N(0, 1) per (i, r, t)
//   b(i,r)   = baseline[r] * s_i, s_i uniform in [0.5, 1.5) per instance
//   m_i(t)   = the phase multiplier, 1 outside phases. Phases start every period_steps steps
//              at offset o_i (uniform in [period_steps / 4, 3 period_steps / 4) per instance:
//              never in the first hours). With k = (t - o_i) mod period_steps, t >= o_i:
//                k <  ramp_steps:               1 + (factor - 1) (k + 1) / (ramp_steps + 1)
//                k <  ramp_steps + phase_steps: factor
//                otherwise:                     1
//              (ramp_steps = 0 is a step change). Only resources in phase_resources move.
// Timestamps are seconds from 0, every `step`. Instance ids "syn-<i>", app type `app_type`.
// No capacity (initial allocations follow EVALUATION.md's first-day rules).
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "augur/core/resource.h"
#include "augur/trace/trace.h"

namespace augur::replay {

struct SyntheticOptions {
  std::uint64_t seed = 1;
  std::size_t instances = 4;
  std::chrono::seconds step{300};
  std::size_t steps = 7 * 288;  // a week of 5-minute steps
  // cores, bytes, bytes/s, bytes/s
  ResourceVector baseline{1.0, 2.0 * 1024 * 1024 * 1024, 4e6, 2e6};
  double noise = 0.05;
  std::size_t period_steps = 288;  // a phase a day at 5-minute steps
  std::size_t phase_steps = 24;    // two hours
  std::size_t ramp_steps = 3;
  double factor = 2.5;
  std::bitset<kResourceCount> phase_resources{0b1111};
  std::string app_type = "synthetic";
};

// The phase multiplier m_i(t) of the model for offset `offset`.
double phase_multiplier(const SyntheticOptions& options, std::size_t offset, std::size_t t);

// The trace (format "synthetic", path "synthetic:<seed>").
trace::Trace make_synthetic_trace(const SyntheticOptions& options);

}  // namespace augur::replay
