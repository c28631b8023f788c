#include "augur/drift/baseline.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "feature_constants.h"

namespace augur::drift {

namespace fp = augur::fingerprint;

namespace detail {

namespace {
FeatureConstants make_constants() {
  FeatureConstants c;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const fp::FeatureInfo& f = fp::feature_table()[i];
    c.min_scale[i] = f.min_scale;
    c.in_log[i] = f.statistic == fp::Statistic::kStd || f.statistic == fp::Statistic::kBurstiness;
  }
  return c;
}
}  // namespace

const FeatureConstants& feature_constants() {
  static const FeatureConstants constants = make_constants();
  return constants;
}

}  // namespace detail

void Moments::add(double x) {
  ++count;
  const double delta = x - mean;
  mean += delta / static_cast<double>(count);
  m2 += delta * (x - mean);
}

void Moments::merge(const Moments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count);
  const double nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.mean - mean;
  mean += delta * nb / n;
  m2 += other.m2 + delta * delta * na * nb / n;
  count += other.count;
}

bool Moments::remove(const Moments& part) {
  if (part.count == 0) return true;
  if (part.count > count) return false;
  if (part.count == count) {
    *this = Moments{};
    return true;
  }
  // Chan's merge solved for the other part: n mean = na mean_a + nb mean_b and
  // M2 = M2_a + M2_b + (mean_b - mean_a)^2 na nb / n.
  const double n = static_cast<double>(count);
  const double na = static_cast<double>(part.count);
  const double nb = n - na;
  const double mean_b = (n * mean - na * part.mean) / nb;
  const double delta = mean_b - part.mean;
  m2 = std::max(0.0, m2 - part.m2 - delta * delta * na * nb / n);
  mean = mean_b;
  count -= part.count;
  return true;
}

CoMoments CoMoments::sized() {
  CoMoments c;
  c.mask.assign(fp::kFeatureCount, true);
  c.mean.assign(fp::kFeatureCount, 0.0);
  c.comoment.assign(fp::kFeatureCount * fp::kFeatureCount, 0.0);
  return c;
}

bool modelled_in_log(std::size_t feature) {
  return detail::feature_constants().in_log[feature];
}

double modelled_value(std::size_t feature, double x) {
  const auto& c = detail::feature_constants();
  return c.in_log[feature] ? std::log(std::max(x, 0.0) + c.min_scale[feature]) : x;
}

void modelled_values(const Fingerprint& f, std::vector<double>& out) {
  const auto& c = detail::feature_constants();
  out.resize(fp::kFeatureCount);
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const double x = f.values[i];
    out[i] = !f.present[i] ? 0.0 : c.in_log[i] ? std::log(std::max(x, 0.0) + c.min_scale[i]) : x;
  }
}

void CoMoments::add(const std::vector<double>& modelled, const std::vector<bool>& present) {
  constexpr std::size_t d = fp::kFeatureCount;
  if (empty()) *this = sized();
  for (std::size_t i = 0; i < d; ++i) mask[i] = mask[i] && present[i];
  ++count;
  const double n = static_cast<double>(count);
  std::array<double, d> before{};
  std::array<double, d> after{};
  for (std::size_t i = 0; i < d; ++i) {
    if (!mask[i]) continue;
    const double x = modelled[i];
    before[i] = x - mean[i];
    mean[i] += before[i] / n;
    after[i] = x - mean[i];
  }
  for (std::size_t i = 0; i < d; ++i) {
    if (!mask[i]) continue;
    double* row = &comoment[i * d];
    for (std::size_t j = 0; j < d; ++j) {
      if (mask[j]) row[j] += before[i] * after[j];
    }
  }
}

void CoMoments::merge(const CoMoments& other) {
  constexpr std::size_t d = fp::kFeatureCount;
  if (other.count == 0) return;
  if (empty()) *this = sized();
  if (count == 0) {
    std::vector<bool> keep = mask;
    *this = other;
    for (std::size_t i = 0; i < d; ++i) mask[i] = mask[i] && keep[i];
    return;
  }
  for (std::size_t i = 0; i < d; ++i) mask[i] = mask[i] && other.mask[i];
  const double na = static_cast<double>(count);
  const double nb = static_cast<double>(other.count);
  const double n = na + nb;
  std::array<double, d> delta{};
  for (std::size_t i = 0; i < d; ++i) {
    if (mask[i]) delta[i] = other.mean[i] - mean[i];
  }
  for (std::size_t i = 0; i < d; ++i) {
    if (!mask[i]) continue;
    for (std::size_t j = 0; j < d; ++j) {
      if (!mask[j]) continue;
      comoment[i * d + j] += other.comoment[i * d + j] + delta[i] * delta[j] * na * nb / n;
    }
  }
  for (std::size_t i = 0; i < d; ++i) {
    if (mask[i]) mean[i] += delta[i] * nb / n;
  }
  count += other.count;
}

bool CoMoments::remove(const CoMoments& part) {
  constexpr std::size_t d = fp::kFeatureCount;
  if (part.count == 0) return true;
  if (empty() || part.empty() || part.count > count) return false;
  if (part.count == count) {
    std::vector<bool> keep = mask;
    *this = sized();
    mask = std::move(keep);  // what the removed windows lacked stays unknown
    return true;
  }
  const double n = static_cast<double>(count);
  const double na = static_cast<double>(part.count);
  const double nb = n - na;
  std::array<double, d> mean_b{};
  std::array<double, d> delta{};
  for (std::size_t i = 0; i < d; ++i) {
    if (!mask[i]) continue;
    mean_b[i] = (n * mean[i] - na * part.mean[i]) / nb;
    delta[i] = mean_b[i] - part.mean[i];
  }
  for (std::size_t i = 0; i < d; ++i) {
    if (!mask[i]) continue;
    for (std::size_t j = 0; j < d; ++j) {
      if (!mask[j]) continue;
      double& c = comoment[i * d + j];
      c = c - part.comoment[i * d + j] - delta[i] * delta[j] * na * nb / n;
    }
    // A diagonal entry is a sum of squares: rounding must not make it negative.
    comoment[i * d + i] = std::max(0.0, comoment[i * d + i]);
  }
  for (std::size_t i = 0; i < d; ++i) {
    if (mask[i]) mean[i] = mean_b[i];
  }
  count -= part.count;
  return true;
}

double CoMoments::covariance(std::size_t i, std::size_t j) const {
  if (count < 2 || empty()) return 0.0;
  return comoment[i * fp::kFeatureCount + j] / static_cast<double>(count - 1);
}

namespace {

std::size_t bin_of(double score) {
  if (!(score >= ScoreHistogram::kMinScore)) return 0;  // also NaN
  const double pos = std::log10(score / ScoreHistogram::kMinScore) * ScoreHistogram::kBinsPerDecade;
  const auto last = ScoreHistogram::kBins - 1;
  if (pos >= static_cast<double>(last - 1)) return last;
  return 1 + static_cast<std::size_t>(pos);
}

double bin_lower_edge(std::size_t bin) {
  return ScoreHistogram::kMinScore *
         std::pow(10.0, static_cast<double>(bin - 1) / ScoreHistogram::kBinsPerDecade);
}

}  // namespace

void ScoreHistogram::add(double score) {
  ++counts_[bin_of(score)];
  ++total_;
  cached_q_ = -1;
}

void ScoreHistogram::merge(const ScoreHistogram& other) {
  for (std::size_t i = 0; i < kBins; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  cached_q_ = -1;
}

bool ScoreHistogram::remove(const ScoreHistogram& part) {
  for (std::size_t i = 0; i < kBins; ++i) {
    if (part.counts_[i] > counts_[i]) return false;
  }
  for (std::size_t i = 0; i < kBins; ++i) counts_[i] -= part.counts_[i];
  total_ -= part.total_;
  cached_q_ = -1;
  return true;
}

double ScoreHistogram::quantile(double q) const {
  if (q == cached_q_) return cached_quantile_;
  cached_quantile_ = quantile_uncached(q);
  cached_q_ = q;
  return cached_quantile_;
}

double ScoreHistogram::quantile_uncached(double q) const {
  if (total_ == 0) return 0.0;
  const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(total_);
  double cumulative = 0;
  for (std::size_t b = 0; b < kBins; ++b) {
    if (counts_[b] == 0) continue;
    const double next = cumulative + static_cast<double>(counts_[b]);
    if (next >= target) {
      if (b == 0) return kMinScore;
      if (b == kBins - 1) return bin_lower_edge(b);
      const double frac = (target - cumulative) / static_cast<double>(counts_[b]);
      return bin_lower_edge(b) * std::pow(10.0, frac / kBinsPerDecade);
    }
    cumulative = next;
  }
  return bin_lower_edge(kBins - 1);
}

void ScoreHistogram::set_counts(const std::array<std::uint64_t, kBins>& counts) {
  counts_ = counts;
  cached_q_ = -1;
  total_ = 0;
  for (auto c : counts_) total_ += c;
}

void ScoreHistogram::scale_to(std::uint64_t max_total) {
  if (total_ <= max_total) return;
  const double f = static_cast<double>(max_total) / static_cast<double>(total_);
  std::array<std::uint64_t, kBins> scaled{};
  for (std::size_t i = 0; i < kBins; ++i) {
    scaled[i] = static_cast<std::uint64_t>(std::llround(static_cast<double>(counts_[i]) * f));
  }
  set_counts(scaled);
}

Baseline make_baseline(bool track_covariance) {
  Baseline b;
  b.track_covariance = track_covariance;
  if (track_covariance) b.covariance = CoMoments::sized();
  return b;
}

void learn_modelled(Baseline& b, const std::vector<double>& modelled,
                    const std::vector<bool>& present) {
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (present[i]) b.features[i].add(modelled[i]);
  }
  if (b.track_covariance) b.covariance.add(modelled, present);
  ++b.fingerprints;
}

void learn(Baseline& b, const Fingerprint& f) {
  std::vector<double> modelled;
  modelled_values(f, modelled);
  learn_modelled(b, modelled, f.present);
}

void merge_into(Baseline& into, const Baseline& from) {
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) into.features[i].merge(from.features[i]);
  if (into.track_covariance && from.track_covariance) {
    into.covariance.merge(from.covariance);
  } else {
    into.track_covariance = false;  // one side lacks them: pooled co-moments are unknown
    into.covariance = CoMoments();
  }
  into.scores.merge(from.scores);
  into.slow_scores.merge(from.slow_scores);
  into.fingerprints += from.fingerprints;
}

Status remove_from(Baseline& whole, const Baseline& part) {
  if (part.feature_table_version != whole.feature_table_version) {
    return Error{"remove_from: feature table version " +
                     std::to_string(part.feature_table_version) + " removed from version " +
                     std::to_string(whole.feature_table_version),
                 ""};
  }
  if (part.fingerprints > whole.fingerprints) {
    return Error{"remove_from: the part has more windows than the whole", ""};
  }
  // On a copy: a part found not to be in the whole half way leaves the whole as it was.
  Baseline out = whole;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    if (!out.features[i].remove(part.features[i])) {
      return Error{"remove_from: the part has more values of feature " +
                       std::string(fp::feature_table()[i].name) + " than the whole",
                   ""};
    }
  }
  if (out.track_covariance && part.track_covariance) {
    if (!out.covariance.remove(part.covariance)) {
      return Error{"remove_from: the part has more co-moment windows than the whole", ""};
    }
  } else if (out.track_covariance) {
    // merge_into would have dropped them: a whole with co-moments never held this part.
    out.track_covariance = false;
    out.covariance = CoMoments();
  }
  if (!out.scores.remove(part.scores) || !out.slow_scores.remove(part.slow_scores)) {
    return Error{"remove_from: the part has more scores in a bin than the whole", ""};
  }
  out.fingerprints -= part.fingerprints;
  whole = std::move(out);
  return {};
}

Baseline seed_from(const Baseline& type, std::uint64_t max_fingerprints) {
  Baseline b = type;
  if (b.fingerprints <= max_fingerprints || b.fingerprints == 0) return b;
  const double f = static_cast<double>(max_fingerprints) / static_cast<double>(b.fingerprints);
  // Keeps centres; scales counts and sums of squares (hence variances) by the same factor.
  auto kept_of = [f](std::uint64_t count) {
    return count == 0
               ? count
               : std::max<std::uint64_t>(
                     1, static_cast<std::uint64_t>(std::llround(static_cast<double>(count) * f)));
  };
  for (Moments& m : b.features) {
    const std::uint64_t kept = kept_of(m.count);
    if (m.count > 0) m.m2 *= static_cast<double>(kept) / static_cast<double>(m.count);
    m.count = kept;
  }
  if (b.track_covariance && b.covariance.count > 0) {
    const std::uint64_t kept = kept_of(b.covariance.count);
    const double ratio = static_cast<double>(kept) / static_cast<double>(b.covariance.count);
    for (double& c : b.covariance.comoment) c *= ratio;
    b.covariance.count = kept;
  }
  b.scores.scale_to(
      static_cast<std::uint64_t>(std::llround(static_cast<double>(b.scores.total()) * f)));
  b.slow_scores.scale_to(
      static_cast<std::uint64_t>(std::llround(static_cast<double>(b.slow_scores.total()) * f)));
  b.fingerprints = max_fingerprints;
  return b;
}

double feature_scale(const Baseline& b, std::size_t feature, double relative_floor) {
  const auto& c = detail::feature_constants();
  return detail::scale_of(b.features[feature], c.in_log[feature], c.min_scale[feature],
                          relative_floor);
}

}  // namespace augur::drift

namespace augur::drift {

double calibrated_threshold(const Baseline& b, double quantile) {
  if (b.scores.total() < kMinCalibrationScores) return 0.0;
  return b.scores.quantile(quantile);
}

double calibrated_slow_threshold(const Baseline& b, double quantile) {
  if (b.slow_scores.total() < kMinCalibrationScores) return 0.0;
  return b.slow_scores.quantile(quantile);
}

}  // namespace augur::drift
