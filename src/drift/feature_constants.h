#pragma once
// Per-feature constants of the feature table, looked up once, and the scale a baseline
// standardises a feature by (private to the drift library; the per-tick loops inline them).
#include <algorithm>
#include <array>
#include <cmath>

#include "augur/drift/baseline.h"
#include "augur/fingerprint/feature_table.h"

namespace augur::drift::detail {

struct FeatureConstants {
  std::array<double, fingerprint::kFeatureCount> min_scale{};
  std::array<bool, fingerprint::kFeatureCount> in_log{};  // std and burstiness: log space
};

const FeatureConstants& feature_constants();

// In log space a scale of 0.01 is a 1% change.
inline constexpr double kLogScaleFloor = 0.01;

// feature_scale() (baseline.h): max(std, relative_floor * |mean|, the table's floor); in
// log space max(std, kLogScaleFloor).
inline double scale_of(const Moments& m, bool in_log, double min_scale, double relative_floor) {
  const double sd = std::sqrt(m.variance());
  if (in_log) return std::max(sd, kLogScaleFloor);
  return std::max(std::max(sd, relative_floor * std::abs(m.mean)), min_scale);
}

}  // namespace augur::drift::detail
