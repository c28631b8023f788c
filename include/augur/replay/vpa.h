#pragma once
// The `reactive` policy: the Kubernetes Vertical Pod Autoscaler recommender with its
// defaults, written from its rule (kubernetes/autoscaler, vertical-pod-autoscaler/pkg/
// recommender: util/histogram*.go, util/decaying_histogram.go, model/aggregations_config.go,
// model/container.go, model/aggregate_container_state.go, logic/estimator.go,
// logic/recommender.go). docs/evaluation.md states the rule and how replay maps to it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "augur/replay/policy.h"

namespace augur::replay::vpa {

// Exponential buckets: bucket 0 is [0, first); bucket n >= 1 starts at
// first * (ratio^n - 1) / (ratio - 1); the last bucket start is >= max_value and the last
// bucket is unbounded. A bucket is empty when its weight is below epsilon.
class BucketScheme {
 public:
  BucketScheme(double max_value, double first_bucket_size, double ratio, double epsilon);
  [[nodiscard]] std::size_t buckets() const { return buckets_; }
  [[nodiscard]] std::size_t find_bucket(double value) const;
  [[nodiscard]] double bucket_start(std::size_t bucket) const;
  [[nodiscard]] double epsilon() const { return epsilon_; }

 private:
  std::size_t buckets_;
  double first_;
  double ratio_;
  double log_ratio_;
  double epsilon_;
};

// Bucket weights; percentile(p) is the END of the bucket where the cumulative weight reaches
// p x total (the start of the last bucket when it is reached there); 0 when empty.
class Histogram {
 public:
  explicit Histogram(const BucketScheme* scheme);
  void add(double value, double weight);
  // The weight is capped at the bucket's (a bucket never goes negative).
  void subtract(double value, double weight);
  void scale(double factor);
  [[nodiscard]] double percentile(double p) const;
  [[nodiscard]] bool empty() const;
  [[nodiscard]] double total_weight() const { return total_; }

 private:
  void update_min_max();
  const BucketScheme* scheme_;
  std::vector<double> weight_;
  double total_ = 0;
  std::size_t min_bucket_;
  std::size_t max_bucket_ = 0;
};

// A sample at time t weighs weight x 2^((t - reference) / half_life). The reference is a
// multiple of the half-life, moved forward (rescaling every weight) once t is 100
// half-lives past it, as VPA does to keep the exponent bounded. Times in seconds.
class DecayingHistogram {
 public:
  DecayingHistogram(const BucketScheme* scheme, double half_life_s);
  void add(double value, double weight, double time_s);
  void subtract(double value, double weight, double time_s);
  [[nodiscard]] double percentile(double p) const { return histogram_.percentile(p); }
  [[nodiscard]] bool empty() const { return histogram_.empty(); }

 private:
  double decay_factor(double time_s);
  void shift_reference(double time_s);
  Histogram histogram_;
  double half_life_s_;
  double reference_s_ = 0;
};

// VPA's defaults (logic/recommender.go flags, model/aggregations_config.go constants).
struct Options {
  double half_life_s = 86400;            // CPU and memory histogram decay half-life, 24 h
  double bucket_growth = 0.05;           // each bucket 5 % wider than the previous
  double cpu_first_bucket_cores = 0.01;  // first bucket, max 1000 cores
  double cpu_max_cores = 1000;
  double memory_first_bucket_bytes = 1e7;  // 10 MB, max 1 TB
  double memory_max_bytes = 1e12;
  double min_sample_weight = 0.1;                // CPU sample weight floor (weight = request)
  double epsilon = 0.001 * 0.1;                  // 0.001 x minSampleWeight
  double memory_aggregation_interval_s = 86400;  // one memory peak per 24 h
  double target_percentile = 0.9;
  double lower_percentile = 0.5;
  double upper_percentile = 0.95;
  double safety_margin = 0.15;
  double upper_confidence_multiplier = 1.0;  // upper x (1 + 1/confidence)^1
  double upper_confidence_exponent = 1.0;
  double lower_confidence_multiplier = 0.001;  // lower x (1 + 0.001/confidence)^-2
  double lower_confidence_exponent = -2.0;
  double min_cpu_cores = 0.025;                   // 25 millicores
  double min_memory_bytes = 250.0 * 1024 * 1024;  // 250 MiB (VPA's "MB" flag x 1024 x 1024)
  double oom_bump_ratio = 1.2;
  double oom_min_bump_bytes = 100.0 * 1024 * 1024;  // 100 MiB
  // Not VPA's (it has no disk/network): first bucket of the disk and network histograms.
  double io_first_bucket_bytes_per_s = 1e5;
  double io_max_bytes_per_s = 1e12;
  // Normalised resources (fractions of a trace's full scale): first bucket, max.
  double normalised_first_bucket = 1e-4;
  double normalised_max = 100;
};

// VPA's confidence in days of history: min(lifespan in days, samples / (60 x 24)).
double confidence_days(double first_sample_s, double last_sample_s, double samples);

struct Recommendation {
  double target = 0;
  double lower = 0;
  double upper = 0;
};

std::unique_ptr<Policy> make_reactive_policy(const Options& options = {});

}  // namespace augur::replay::vpa
