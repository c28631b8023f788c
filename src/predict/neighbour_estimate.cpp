#include "neighbour_estimate.h"

#include <algorithm>
#include <cmath>

#include "augur/predict/predictor.h"

namespace augur::predict {

namespace {

// Spread floors per resource (see predictor.h): cores, bytes, bytes/s, bytes/s.
constexpr std::array<double, kResourceCount> kSpreadFloor = {0.05, 16.0 * 1024 * 1024, 1e5, 1e5};

double weight(double distance) {
  return 1.0 / (distance + kWeightEpsilon);
}

}  // namespace

NeighbourEstimate estimate_from_neighbours(std::span<const Neighbour> neighbours,
                                           double distance_scale) {
  NeighbourEstimate est;
  if (neighbours.empty()) return est;
  double w_sum = 0;
  double wd_sum = 0;
  for (const Neighbour& n : neighbours) {
    w_sum += weight(n.distance);
    wd_sum += weight(n.distance) * n.distance;
  }
  const double closeness = std::exp(-(wd_sum / w_sum) / distance_scale);
  double agreement_sum = 0;
  std::size_t known = 0;
  for (Resource r : kAllResources) {
    double ws = 0;
    double wo = 0;
    for (const Neighbour& n : neighbours) {
      if (!n.outcome.known(r)) continue;
      ws += weight(n.distance);
      wo += weight(n.distance) * n.outcome[r];
    }
    if (ws == 0) continue;
    const double mean = wo / ws;
    double var = 0;
    for (const Neighbour& n : neighbours) {
      if (!n.outcome.known(r)) continue;
      const double d = n.outcome[r] - mean;
      var += weight(n.distance) * d * d;
    }
    const double sd = std::sqrt(var / ws);
    est.mean[r] = mean;
    agreement_sum +=
        1.0 / (1.0 + sd / (std::abs(mean) + kSpreadFloor[static_cast<std::size_t>(r)]));
    ++known;
  }
  est.any_known = known > 0;
  est.confidence = est.any_known ? closeness * agreement_sum / static_cast<double>(known) : 0;
  return est;
}

double weighted_mean(std::span<const Neighbour> neighbours, std::span<const double> values) {
  double ws = 0;
  double wv = 0;
  for (std::size_t i = 0; i < neighbours.size() && i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    ws += weight(neighbours[i].distance);
    wv += weight(neighbours[i].distance) * values[i];
  }
  return ws > 0 ? wv / ws : kUnknown;
}

ResourceVector headroom_factors(const ResourceVector& host_utilisation) {
  ResourceVector f;
  for (Resource r : kAllResources) {
    f[r] = host_utilisation.known(r) ? 1 - std::clamp(host_utilisation[r], 0.0, 1.0) : 1.0;
  }
  return f;
}

}  // namespace augur::predict
