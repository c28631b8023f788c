#include "augur/drift/distance.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "feature_constants.h"

namespace augur::drift {

namespace fp = augur::fingerprint;

void standardize(const Fingerprint& f, const Baseline& b, double relative_floor,
                 Standardized& out) {
  std::vector<double> modelled;
  modelled_values(f, modelled);
  standardize_modelled(modelled, f.present, b, relative_floor, out);
}

void standardize_modelled(const std::vector<double>& modelled, const std::vector<bool>& present,
                          const Baseline& b, double relative_floor, Standardized& out) {
  const auto& c = detail::feature_constants();
  out.z.resize(fp::kFeatureCount);
  out.compared.resize(fp::kFeatureCount);
  std::size_t count = 0;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const Moments& m = b.features[i];
    const bool compare = present[i] && m.count >= 2;
    out.compared[i] = compare;
    out.z[i] = compare ? (modelled[i] - m.mean) /
                             detail::scale_of(m, c.in_log[i], c.min_scale[i], relative_floor)
                       : 0.0;
    count += compare;
  }
  out.count = count;
}

double euclidean_score(const Standardized& s) {
  if (s.count == 0) return 0.0;
  double sum = 0;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (s.compared[i]) sum += s.z[i] * s.z[i];
  }
  return std::sqrt(sum / static_cast<double>(s.count));
}

void top_features(const Standardized& s, std::size_t k, std::vector<FeatureContribution>& out) {
  // Each series' strongest compared statistic (ties: the lower feature index), then the k
  // strongest of those by insertion into a short list on the stack: k is small.
  constexpr std::size_t kNone = fp::kFeatureCount;
  std::array<std::size_t, fp::kSeriesCount> series_best;
  series_best.fill(kNone);
  const auto& table = fp::feature_table();
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (!s.compared[i]) continue;
    std::size_t& best = series_best[static_cast<std::size_t>(table[i].series)];
    if (best == kNone || std::abs(s.z[i]) > std::abs(s.z[best])) best = i;
  }
  constexpr std::size_t kMaxK = 16;
  k = std::min(k, kMaxK);
  std::array<std::size_t, kMaxK> best;
  std::array<double, kMaxK> mag;
  std::size_t n = 0;
  for (std::size_t i : series_best) {
    if (i == kNone || k == 0) continue;
    const double m = std::abs(s.z[i]);
    if (n == k && !(m > mag[n - 1] || (m == mag[n - 1] && i < best[n - 1]))) continue;
    std::size_t pos = n < k ? n++ : n - 1;
    // Largest first; ties keep the lower feature index first.
    while (pos > 0 && (mag[pos - 1] < m || (mag[pos - 1] == m && best[pos - 1] > i))) {
      best[pos] = best[pos - 1];
      mag[pos] = mag[pos - 1];
      --pos;
    }
    best[pos] = i;
    mag[pos] = m;
  }
  out.resize(n);
  for (std::size_t j = 0; j < n; ++j) out[j] = FeatureContribution{best[j], s.z[best[j]]};
}

}  // namespace augur::drift
