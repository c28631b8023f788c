#include "augur/drift/distance.h"

#include <algorithm>
#include <cmath>

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
  out.z.assign(fp::kFeatureCount, 0.0);
  out.compared.assign(fp::kFeatureCount, false);
  out.count = 0;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (!present[i] || b.features[i].count < 2) continue;
    out.z[i] = (modelled[i] - b.features[i].mean) / feature_scale(b, i, relative_floor);
    out.compared[i] = true;
    ++out.count;
  }
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
  out.clear();
  if (out.capacity() < k + 1) out.reserve(k + 1);  // once: later calls never allocate
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (!s.compared[i]) continue;
    const FeatureContribution c{i, s.z[i]};
    // Insertion into a short sorted list: k is small (5).
    auto pos = std::find_if(out.begin(), out.end(), [&](const FeatureContribution& o) {
      return std::abs(o.contribution) < std::abs(c.contribution);
    });
    if (out.size() < k) {
      out.insert(pos, c);
    } else if (pos != out.end()) {
      out.insert(pos, c);
      out.pop_back();
    }
  }
}

}  // namespace augur::drift
