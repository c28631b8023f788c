#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>

#include "augur/drift/distance.h"

namespace augur::drift {

namespace fp = augur::fingerprint;

struct MahalanobisScorer::Impl {
  double shrinkage = 0;
  double refresh_fraction = 0;
  const Baseline* baseline = nullptr;  // identity of the cached factorisation
  std::uint64_t at_fingerprints = 0;
  std::vector<bool> in_set = std::vector<bool>(fp::kFeatureCount, false);
  std::vector<std::size_t> index;
  Eigen::MatrixXd r;  // kept: refactorising a same-sized set reuses the storage
  Eigen::LDLT<Eigen::MatrixXd> ldlt;
  Eigen::VectorXd rhs;
  Eigen::VectorXd zc;
  std::vector<bool> set_scratch = std::vector<bool>(fp::kFeatureCount, false);

  bool stale(const Baseline& b, const std::vector<bool>& set) const {
    if (baseline != &b || set != in_set) return true;
    return b.fingerprints < at_fingerprints ||
           static_cast<double>(b.fingerprints) >
               static_cast<double>(at_fingerprints) * (1.0 + refresh_fraction);
  }

  void factorise(const Baseline& b, const std::vector<bool>& set, double relative_floor) {
    baseline = &b;
    at_fingerprints = b.fingerprints;
    in_set = set;
    index.clear();
    for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
      if (set[i]) index.push_back(i);
    }
    const auto k = static_cast<Eigen::Index>(index.size());
    r.resize(k, k);
    for (Eigen::Index a = 0; a < k; ++a) {
      const double sa = feature_scale(b, index[a], relative_floor);
      for (Eigen::Index c = 0; c < k; ++c) {
        const double sc = feature_scale(b, index[c], relative_floor);
        r(a, c) = (1.0 - shrinkage) * b.covariance.covariance(index[a], index[c]) / (sa * sc);
      }
      // The identity target; a tiny ridge keeps a zero shrinkage factorisable.
      r(a, a) += shrinkage + 1e-9;
    }
    ldlt.compute(r);
    rhs.resize(k);
    zc.resize(k);
  }
};

MahalanobisScorer::MahalanobisScorer(double shrinkage, double refresh_fraction)
    : impl_(std::make_unique<Impl>()) {
  impl_->shrinkage = shrinkage;
  impl_->refresh_fraction = refresh_fraction;
}
MahalanobisScorer::~MahalanobisScorer() = default;
MahalanobisScorer::MahalanobisScorer(MahalanobisScorer&&) noexcept = default;
MahalanobisScorer& MahalanobisScorer::operator=(MahalanobisScorer&&) noexcept = default;

double MahalanobisScorer::score(const Standardized& s, const Baseline& b, double relative_floor) {
  if (!b.track_covariance || b.covariance.count < 2 || s.count == 0) return euclidean_score(s);
  Impl& m = *impl_;
  std::vector<bool>& set = m.set_scratch;
  set.assign(fp::kFeatureCount, false);
  std::size_t in_cov = 0;
  double outside = 0;  // features outside the co-moment mask count as independent
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (!s.compared[i]) continue;
    if (b.covariance.mask[i]) {
      set[i] = true;
      ++in_cov;
    } else {
      outside += s.z[i] * s.z[i];
    }
  }
  if (in_cov == 0) return euclidean_score(s);
  if (m.stale(b, set)) m.factorise(b, set, relative_floor);
  if (m.ldlt.info() != Eigen::Success) return euclidean_score(s);
  for (std::size_t a = 0; a < m.index.size(); ++a) {
    m.zc(static_cast<Eigen::Index>(a)) = s.z[m.index[a]];
  }
  m.rhs = m.zc;
  m.ldlt.solveInPlace(m.rhs);
  const double d2 = m.zc.dot(m.rhs) + outside;
  return std::sqrt(std::max(0.0, d2) / static_cast<double>(s.count));
}

}  // namespace augur::drift
