#pragma once
// Drift magnitude and direction of a fingerprint against a baseline.
//
// Standardisation: z_i = (x_i - centre_i) / scale_i for every feature present in the
// fingerprint and learned by the baseline (at least two windows); feature_scale() floors
// the scale. The score is the root-mean-square z over those compared features,
// sqrt(sum z_i^2 / k): it does not depend on how many features are masked (a shift of c
// scales in every compared feature scores c whether 10 or 50 are compared), and it is ~1
// for an in-control window whatever the host can measure. The direction is the z vector
// (0 where not compared).
//
// Mahalanobis (option): in the standardised space, with the baseline's correlation R
// shrunk toward the identity, R_s = (1 - shrinkage) R + shrinkage I (Ledoit-Wolf style
// target: the diagonal), score = sqrt(z' R_s^-1 z / k). Features outside the co-moment
// mask count as independent. Costs a k x k factorisation: cached by MahalanobisScorer.
#include <cstddef>
#include <memory>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/drift/baseline.h"

namespace augur::drift {

struct Standardized {
  std::vector<double> z = std::vector<double>(fingerprint::kFeatureCount, 0.0);
  std::vector<bool> compared = std::vector<bool>(fingerprint::kFeatureCount, false);
  std::size_t count = 0;
};

// Writes into `out`, reusing its storage.
void standardize(const Fingerprint& fp, const Baseline& b, double relative_floor,
                 Standardized& out);
// The same from modelled_values() of the fingerprint and its mask.
void standardize_modelled(const std::vector<double>& modelled, const std::vector<bool>& present,
                          const Baseline& b, double relative_floor, Standardized& out);

// RMS z; 0 when nothing is compared.
[[nodiscard]] double euclidean_score(const Standardized& s);

// The k features of largest |z|, largest first, at most one per series (its statistic of
// largest |z|), into `out` (reused): five statistics of one series would otherwise fill the
// list and hide the next series that moved (page faults hid a guest's memory growth).
void top_features(const Standardized& s, std::size_t k, std::vector<FeatureContribution>& out);

// Mahalanobis score with a cached factorisation, refreshed when the baseline has grown by
// more than `refresh_fraction` since, or the compared set changed. Falls back to the
// Euclidean score when the baseline tracks no co-moments.
class MahalanobisScorer {
 public:
  explicit MahalanobisScorer(double shrinkage, double refresh_fraction = 0.05);
  ~MahalanobisScorer();
  MahalanobisScorer(MahalanobisScorer&&) noexcept;
  MahalanobisScorer& operator=(MahalanobisScorer&&) noexcept;

  [[nodiscard]] double score(const Standardized& s, const Baseline& b, double relative_floor);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace augur::drift
