#pragma once
// What "normal" looks like for an application type or an instance, in a mergeable form.
//
// Representation: per feature, the exact count, mean and sum of squared deviations (M2),
// merged with the pairwise formulas of Chan, Golub and LeVeque (1979). Chosen over
// fixed-bin histograms (median/MAD) because features span many orders of magnitude and
// units (bytes, shares, rates) with no range known in advance, so fixed bins would be
// either coarse or huge; moments are exact, tiny, and merged == pooled up to rounding, for
// the online update, the fleet merge and persistence alike. Robustness does not come from
// the statistic but from what is learned and how: only windows that are not drifting, not
// suspected of it and within the threshold are absorbed; scale-like features (std,
// burstiness) are modelled in log space so one extreme tick cannot dominate; and the drift
// threshold is an empirical quantile of the baseline's own distances, not a Gaussian
// assumption. Moments are of modelled_value(), not of the raw feature.
//
// The optional co-moments (for a Mahalanobis distance) cover the features that every
// learned window had: the mask is the intersection of the learned masks, and restricting
// co-moments to a subset of features is exact, so merged == pooled holds there too.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/util/result.h"

namespace augur::drift {

// Exact running moments of one feature.
struct Moments {
  std::uint64_t count = 0;
  double mean = 0;
  double m2 = 0;  // sum of squared deviations from the mean

  void add(double x);
  void merge(const Moments& other);
  // The inverse of merge: removes `part` (merged in earlier). False, unchanged, when `part`
  // holds more values than this.
  bool remove(const Moments& part);
  // Sample variance, 0 below two values.
  [[nodiscard]] double variance() const {
    return count < 2 ? 0.0 : std::max(0.0, m2 / static_cast<double>(count - 1));
  }
};

// Co-moments of the features every learned window had. Empty (no storage: 21 KiB at 52
// features) until sized(), so a Euclidean baseline does not carry them.
struct CoMoments {
  std::uint64_t count = 0;
  std::vector<bool> mask;        // kFeatureCount; all true until the first window
  std::vector<double> mean;      // kFeatureCount
  std::vector<double> comoment;  // kFeatureCount^2, row-major: sum of (x_i-m_i)(x_j-m_j)

  // Zero co-moments over every feature, storage allocated.
  static CoMoments sized();
  [[nodiscard]] bool empty() const { return mask.empty(); }
  // `modelled` holds modelled_value() of every feature; `present` the fingerprint's mask.
  void add(const std::vector<double>& modelled, const std::vector<bool>& present);
  void merge(const CoMoments& other);
  // The inverse of merge over this mask (a mask narrowed by a merge cannot widen again:
  // the removed part's own features stay unknown here). False, unchanged, when `part`
  // holds more windows than this.
  bool remove(const CoMoments& part);
  [[nodiscard]] double covariance(std::size_t i, std::size_t j) const;
};

// Fixed log-spaced bins of the baseline's own in-baseline drift scores; merging adds counts,
// so the calibrated threshold of a merged baseline is the pooled one.
class ScoreHistogram {
 public:
  static constexpr double kMinScore = 1e-2;  // scores are RMS z: ~1 in control
  static constexpr int kDecades = 5;         // up to 1e3
  static constexpr int kBinsPerDecade = 40;  // 6% wide bins
  static constexpr std::size_t kBins = kDecades * kBinsPerDecade + 2;  // + under/overflow

  void add(double score);
  void merge(const ScoreHistogram& other);
  // Subtracts bin counts; false, unchanged, when a bin of `part` exceeds this one's.
  bool remove(const ScoreHistogram& part);
  [[nodiscard]] std::uint64_t total() const { return total_; }
  // The q-quantile, interpolated geometrically within its bin; 0 when empty.
  [[nodiscard]] double quantile(double q) const;
  [[nodiscard]] const std::array<std::uint64_t, kBins>& counts() const { return counts_; }
  void set_counts(const std::array<std::uint64_t, kBins>& counts);
  void scale_to(std::uint64_t max_total);  // keeps proportions, for seeding

 private:
  std::array<std::uint64_t, kBins> counts_{};
  std::uint64_t total_ = 0;
  // The last quantile asked for, until the counts change: a histogram that is no longer
  // filled (the slow channel's) is then not walked on every tick.
  [[nodiscard]] double quantile_uncached(double q) const;
  mutable double cached_q_ = -1;
  mutable double cached_quantile_ = 0;
};

struct Baseline {
  std::uint32_t feature_table_version = fingerprint::kFeatureTableVersion;
  std::uint64_t fingerprints = 0;  // windows learned (one per tick: overlapping windows)
  std::vector<Moments> features = std::vector<Moments>(fingerprint::kFeatureCount);
  bool track_covariance = false;
  CoMoments covariance;  // sized and meaningful only with track_covariance
  ScoreHistogram scores;
  // The slow (persistence) channel's in-baseline scores: RMS of an EWMA of the z vector
  // (analyzer.h). Calibrated like `scores`, from the same windows.
  ScoreHistogram slow_scores;
};

// The value a baseline models for feature i. Variability and burstiness are scale-like and
// right-skewed (one extreme tick doubles a window's std for a whole window), so they are
// modelled in log space, log(x + min_scale): a doubling is then a fixed step whatever the
// level, and heavy-tailed noise does not dominate the distance.
[[nodiscard]] double modelled_value(std::size_t feature, double x);
[[nodiscard]] bool modelled_in_log(std::size_t feature);
// modelled_value() of every feature of `fp` into `out` (reused; masked entries are 0).
void modelled_values(const Fingerprint& fp, std::vector<double>& out);

[[nodiscard]] Baseline make_baseline(bool track_covariance);

// Adds one window's present features (and co-moments when tracked).
void learn(Baseline& b, const Fingerprint& fp);
// The same from values already passed through modelled_values() (the analyser does that
// once per tick for every baseline it feeds).
void learn_modelled(Baseline& b, const std::vector<double>& modelled,
                    const std::vector<bool>& present);

// into := pooled(into, from). Both must share the feature table version (checked by the
// caller: a deserialised baseline of another version is rejected before it gets here).
void merge_into(Baseline& into, const Baseline& from);

// whole := whole minus `part`, the exact inverse of merge_into(whole, part) up to rounding:
// counts (windows, bins) subtract exactly; means and sums of squares by the reverse of
// Chan's pairwise formulas (nb = n - na, mean_b = (n mean - na mean_a) / nb,
// M2_b = M2 - M2_a - (mean_b - mean_a)^2 na nb / n, clamped at 0), co-moments likewise per
// pair when both sides track them. Removing everything leaves an empty baseline. The fleet
// aggregate uses it to replace one host's contribution (aggregate - previous + new) and to
// exclude a host's own contribution from what it reads. The rounding of one removal is
// about n / nb ulps of the mean (a part that is most of the whole costs most), so each
// step's relative error stays near 1e-15 and a long run of removals and additions grows it
// like a random walk (tests/drift: 10 000 replacements stay below 1e-9).
// An Error, `whole` unchanged, when `part` cannot be in `whole` (more windows, values or
// bin counts than it has, or another feature table version).
[[nodiscard]] Status remove_from(Baseline& whole, const Baseline& part);

// A prior for an instance from its type: the same centres and scales and score
// distribution, carrying at most `max_fingerprints` windows of weight so that the
// instance's own windows soon dominate.
[[nodiscard]] Baseline seed_from(const Baseline& type, std::uint64_t max_fingerprints);

// The scale a feature is standardised by: max(std, relative_floor * |mean|, the feature's
// absolute floor from the table), so a flat feature cannot explode.
[[nodiscard]] double feature_scale(const Baseline& b, std::size_t feature, double relative_floor);

}  // namespace augur::drift

namespace augur::drift {

// Scores a baseline needs before its quantile is used as a threshold.
inline constexpr std::uint64_t kMinCalibrationScores = 100;

// The drift threshold of a baseline: the q-quantile of its own in-baseline scores; 0 (not
// calibrated) with fewer than kMinCalibrationScores of them.
[[nodiscard]] double calibrated_threshold(const Baseline& b, double quantile);
// The same for the slow channel's scores; 0 (the slow channel does not judge) with fewer
// than kMinCalibrationScores of them.
[[nodiscard]] double calibrated_slow_threshold(const Baseline& b, double quantile);

}  // namespace augur::drift
