#include "augur/drift/type_assignment.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace augur::drift {

std::optional<TypeMatch> nearest_type(const Fingerprint& fp, const BaselineSet& set,
                                      double quantile, double relative_floor,
                                      Standardized& scratch) {
  std::optional<TypeMatch> best;
  double second = std::numeric_limits<double>::infinity();
  for (const auto& [name, baseline] : set.types()) {
    if (!set.trusted(baseline)) continue;
    const double threshold = calibrated_threshold(baseline, quantile);
    if (threshold <= 0) continue;
    standardize(fp, baseline, relative_floor, scratch);
    if (scratch.count == 0) continue;
    const double score = euclidean_score(scratch);
    if (!best || score < best->score) {
      if (best) second = best->score;
      best = TypeMatch{name, score, threshold, 0, false};
    } else if (score < second) {
      second = score;
    }
  }
  if (!best) return best;
  best->fits = best->score <= best->threshold;
  const double ratio = std::isfinite(second) ? (second > 0 ? best->score / second : 1.0)
                                             : best->score / best->threshold;
  best->confidence = std::clamp(1.0 - ratio, 0.0, 1.0);
  return best;
}

}  // namespace augur::drift
