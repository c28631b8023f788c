#pragma once
// The k-nearest-pattern predictor (the seed's predict_resource_needs) over the history of
// labelled patterns.
//
// Distance between a query q and a pattern p, on unit directions u and magnitudes m:
//   d(q, p) = sqrt(|u_q - u_p|^2 + w * (ln m_q - ln m_p)^2) * (type differs ? penalty : 1)
// Unit directions compare the shape of a drift apart from its strength
// (|u_q - u_p|^2 = 2 - 2 cos angle, in [0, 4]); log magnitudes make a ratio of strengths
// cost the same at any scale. With w = 1 a doubling of magnitude (0.48) costs about as much
// as 40 degrees of direction. Patterns of another application type count with their
// distance multiplied by `other_type_penalty` (config, >= 1): same type first, others only
// when that much closer. ("" is a type of its own.)
//
// Prediction per resource r over the k nearest labelled patterns with a known outcome r:
//   weight_i = 1 / (d_i + 1e-3)   (epsilon: an exact match dominates without dividing by 0;
//                                   1e-3 is far below the distances of distinct patterns)
//   unadjusted_increase[r] = sum weight_i * outcome_i[r] / sum weight_i
//   headroom_factor[r]     = 1 - host_utilisation[r]   (utilisation clamped to 0..1;
//                                                        unknown utilisation: factor 1)
//   increase[r]            = unadjusted_increase[r] * headroom_factor[r]  (the seed's rule)
// Confidence in 0..1 = closeness * agreement:
//   closeness = exp(-(weighted mean of d_i) / s)   (s: predict.confidence_distance, default
//                                                   0.5, about 30 degrees apart)
//   agreement = mean over resources with a prediction of
//               1 / (1 + weighted sd of outcome_i[r] / (|unadjusted_increase[r]| + floor_r))
//   floor_r (cpu 0.05 cores, memory 16 MiB, disk and network 100 kB/s) keeps a spread
//   around a near-zero mean from reading as total disagreement.
// Fewer than min_neighbours labelled patterns: available = false with the reason.
//
// Disk operations/s (the second disk need, which core's ResourceVector does not
// carry) are predicted beside the Prediction (DiskOpsPrediction): the same k neighbours, the
// same weights over those with a known ops outcome, times the disk headroom factor.
//
// History: only labelled patterns (unlabelled ones live in the OutcomeLabeller). Bounded by
// max_patterns and max_age; eviction removes the oldest (by start_unix_ms) first.
// Not thread-safe: the analyser thread owns it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "augur/config/config.h"
#include "augur/core/decisions.h"
#include "augur/core/resource.h"
#include "augur/predict/nearest_index.h"
#include "augur/predict/pattern.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::predict {

inline constexpr double kWeightEpsilon = 1e-3;
inline constexpr double kConfidenceDistanceScale = 0.5;
inline constexpr double kMinMagnitude = 1e-6;  // magnitudes are clamped up to this before ln

struct PredictorOptions {
  std::size_t k = 5;
  std::size_t min_neighbours = 3;
  double other_type_penalty = 2.0;
  double magnitude_weight = 1.0;                          // w above (predict.magnitude_weight)
  double confidence_distance = kConfidenceDistanceScale;  // s above
  std::size_t max_patterns = 100000;
  std::chrono::milliseconds max_age = std::chrono::hours(24 * 90);
  IndexOptions index;
};

PredictorOptions predictor_options(const config::PredictSection& section);

struct PredictionQuery {
  std::string instance_id;
  std::string app_type;
  SteadyTime at{};
  std::vector<double> delta;  // the episode's direction (any length > 0; normalised here)
  double magnitude = 0;
  ResourceVector host_utilisation;  // 0..1 per resource; NaN: unknown
  SearchMode mode = SearchMode::kAuto;
};

// The query of an episode that just started (call on its kStarted event: peak_score is
// then the score at the start).
PredictionQuery query_for(const DriftEpisode& episode, const ResourceVector& host_utilisation);

// Disk operations/s, predicted apart from core's Prediction (see above).
struct DiskOpsPrediction {
  bool available = false;                       // some neighbour has a known ops outcome
  double unadjusted_increase_per_s = kUnknown;  // weighted mean of the neighbours' outcomes
  double increase_per_s = kUnknown;             // x headroom_factor[Resource::kDisk]
  // Outcome per Prediction::neighbours entry, same order (NaN: not measured).
  std::vector<double> neighbour_increase_per_s;
};

struct DetailedPrediction {
  Prediction prediction;
  DiskOpsPrediction disk_ops;
};

class Predictor {
 public:
  explicit Predictor(PredictorOptions options);
  ~Predictor();
  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;

  // Adds a labelled pattern, then evicts the oldest beyond max_patterns. The first pattern
  // fixes the feature table version and dimension; errors for an unlabelled pattern, a
  // duplicate id, another version or dimension, or a direction that is not a unit vector
  // of delta's length.
  Status add(Pattern pattern);
  // Evicts patterns with start_unix_ms < now_unix_ms - max_age; returns how many.
  std::size_t evict_older_than(std::int64_t now_unix_ms);
  // Drops every pattern (e.g. after a feature table version change).
  void clear();

  [[nodiscard]] Prediction predict(const PredictionQuery& query) const;
  // predict() plus what core's Prediction cannot carry (disk operations/s).
  [[nodiscard]] DetailedPrediction predict_detailed(const PredictionQuery& query) const;

  [[nodiscard]] std::size_t size() const;
  // Every pattern held, oldest first (for persistence and augurctl).
  [[nodiscard]] std::vector<Pattern> patterns() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace augur::predict
