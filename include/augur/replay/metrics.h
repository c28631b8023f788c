#pragma once
// The figures of EVALUATION.md "The figures", per resource and in total, computed from the
// demand of a HostModel and the allocations one policy made.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "augur/core/resource.h"
#include "augur/replay/host.h"
#include "augur/replay/policy.h"

namespace augur::replay {

// allocation[i][r][tick - first_tick] over each instance's life span; NaN where the
// resource is not simulated.
using AllocationSeries = std::vector<std::array<std::vector<double>, kResourceCount>>;

// One "M" of the JSON. NaN means "no value" (null in JSON): a rate with a zero denominator,
// a slack with no allocation, prediction_error for a policy that does not predict.
struct Figures {
  double under_provisioned_minutes = 0;
  double unmet_demand = 0;
  double mean_relative_slack = kUnknown;
  double mean_instance_slack = kUnknown;
  double changes_per_instance_day = kUnknown;
  double lead_time_hit_rate = kUnknown;  // hits / (rises - covered)
  double hits_per_rise = kUnknown;       // hits / rises
  std::uint64_t rises = 0;
  std::uint64_t covered = 0;
  std::uint64_t hits = 0;
  double prediction_error = kUnknown;
  std::uint64_t prediction_terms = 0;  // outcomes compared (augur)
};

struct PolicyFigures {
  Figures total;
  std::array<Figures, kResourceCount> resources;
};

// Constants of the lead-time figure (EVALUATION.md).
inline constexpr std::size_t kRiseLookbackSteps = 12;
inline constexpr double kRiseFraction = 0.20;   // of the instance's initial allocation
inline constexpr double kRaiseFraction = 0.05;  // of the instance's initial allocation

// Exact definitions (EVALUATION.md; the choices where it leaves room are in
// docs/evaluation.md): over every (i, t) of an instance's life span where d(i,r,t) is known,
// with Δ the step and a0 the initial allocation:
//  under_provisioned_minutes: Σ Δ/60 where d > a; total: instance-minutes where any
//    simulated resource has d > a.
//  unmet_demand: Σ max(d - a, 0) Δ/60; total: Σ over resources of that / a0(i, r).
//  mean_relative_slack: Σ (a - u) / Σ a with u = min(d, a); total: mean over resources.
//  mean_instance_slack: mean over instances of each one's Σ (a - u) / Σ a; total: mean over
//    resources.
//  changes_per_instance_day: #(i, t > first) with a(t) != a(t-1), per instance-day of life
//    span; total: sum over resources.
//  rise at (i, r, t): d(t) > max of the known d over the previous 12 steps (at least one)
//    + 0.2 a0. covered: a(max(t - H, first)) >= d(t). hit (not covered): a(t) >= d(t) and
//    a(t) - a(max(t - H, first)) >= 0.05 a0 (the allocation was raised within the H steps
//    before t). lead_time_hit_rate = hits / (rises - covered); total sums the counts.
//  prediction_error: from `errors` (augur): per resource sum / count; total: all terms.
PolicyFigures compute_figures(const HostModel& host, const AllocationSeries& allocation,
                              const std::optional<PredictionErrorSums>& errors);

}  // namespace augur::replay
