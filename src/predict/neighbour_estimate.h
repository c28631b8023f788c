#pragma once
// The weighted average and confidence of predictor.h over chosen neighbours (internal).
#include <span>

#include "augur/core/decisions.h"
#include "augur/core/resource.h"

namespace augur::predict {

struct NeighbourEstimate {
  ResourceVector mean;  // NaN where no neighbour has a known outcome
  double confidence = 0;
  bool any_known = false;
};

// distance_scale: the mean distance at which closeness falls to 1/e (predictor.h).
NeighbourEstimate estimate_from_neighbours(std::span<const Neighbour> neighbours,
                                           double distance_scale);

// sum w_i v_i / sum w_i over the neighbours whose value (values[i], same order) is known,
// w_i = 1 / (distance_i + kWeightEpsilon); NaN when none is.
double weighted_mean(std::span<const Neighbour> neighbours, std::span<const double> values);

// 1 - utilisation, utilisation clamped to 0..1; unknown utilisation gives 1.
ResourceVector headroom_factors(const ResourceVector& host_utilisation);

}  // namespace augur::predict
