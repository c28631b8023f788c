// VPA's exponential-bucket histogram and its decaying variant (util/histogram.go,
// util/histogram_options.go, util/decaying_histogram.go), written from their rules.
#include <algorithm>
#include <cmath>

#include "augur/replay/vpa.h"

namespace augur::replay::vpa {

namespace {
constexpr int kMaxDecayExponent = 100;
}

BucketScheme::BucketScheme(double max_value, double first_bucket_size, double ratio, double epsilon)
    : first_(first_bucket_size), ratio_(ratio), log_ratio_(std::log(ratio)), epsilon_(epsilon) {
  // ceil(log_ratio(max * (ratio - 1) / first + 1)) + 1
  const double n =
      std::ceil(std::log(max_value * (ratio - 1) / first_bucket_size + 1) / log_ratio_);
  buckets_ = static_cast<std::size_t>(n) + 1;
}

std::size_t BucketScheme::find_bucket(double value) const {
  if (!(value >= first_)) return 0;  // also NaN
  const double b = std::log(value * (ratio_ - 1) / first_ + 1) / log_ratio_;
  const auto bucket = static_cast<std::size_t>(b);
  return std::min(bucket, buckets_ - 1);
}

double BucketScheme::bucket_start(std::size_t bucket) const {
  if (bucket == 0) return 0.0;
  return first_ * (std::pow(ratio_, static_cast<double>(bucket)) - 1) / (ratio_ - 1);
}

Histogram::Histogram(const BucketScheme* scheme)
    : scheme_(scheme), weight_(scheme->buckets(), 0.0), min_bucket_(scheme->buckets() - 1) {}

void Histogram::add(double value, double weight) {
  if (!(weight >= 0)) return;
  const std::size_t b = scheme_->find_bucket(value);
  weight_[b] += weight;
  total_ += weight;
  if (b < min_bucket_ && weight_[b] >= scheme_->epsilon()) min_bucket_ = b;
  if (b > max_bucket_ && weight_[b] >= scheme_->epsilon()) max_bucket_ = b;
}

void Histogram::subtract(double value, double weight) {
  if (!(weight >= 0)) return;
  const std::size_t b = scheme_->find_bucket(value);
  if (weight > weight_[b] - scheme_->epsilon()) weight = weight_[b];
  total_ -= weight;
  weight_[b] -= weight;
  update_min_max();
}

void Histogram::scale(double factor) {
  for (std::size_t b = min_bucket_; b <= max_bucket_; ++b) weight_[b] *= factor;
  total_ *= factor;
  update_min_max();
}

void Histogram::update_min_max() {
  const std::size_t last = scheme_->buckets() - 1;
  while (weight_[min_bucket_] < scheme_->epsilon() && min_bucket_ < last) ++min_bucket_;
  while (weight_[max_bucket_] < scheme_->epsilon() && max_bucket_ > 0) --max_bucket_;
}

bool Histogram::empty() const {
  return weight_[min_bucket_] < scheme_->epsilon();
}

double Histogram::percentile(double p) const {
  if (empty()) return 0.0;
  double partial = 0;
  const double threshold = p * total_;
  std::size_t b = min_bucket_;
  for (; b < max_bucket_; ++b) {
    partial += weight_[b];
    if (partial >= threshold) break;
  }
  if (b < scheme_->buckets() - 1) return scheme_->bucket_start(b + 1);
  return scheme_->bucket_start(b);
}

DecayingHistogram::DecayingHistogram(const BucketScheme* scheme, double half_life_s)
    : histogram_(scheme), half_life_s_(half_life_s) {}

void DecayingHistogram::add(double value, double weight, double time_s) {
  histogram_.add(value, weight * decay_factor(time_s));
}

void DecayingHistogram::subtract(double value, double weight, double time_s) {
  histogram_.subtract(value, weight * decay_factor(time_s));
}

void DecayingHistogram::shift_reference(double time_s) {
  // A multiple of the half-life (Go's Time.Round: halves away from zero).
  const double rounded = std::round(time_s / half_life_s_) * half_life_s_;
  const double exponent = std::floor((reference_s_ - rounded) / half_life_s_ + 0.5);
  histogram_.scale(std::ldexp(1.0, static_cast<int>(exponent)));
  reference_s_ = rounded;
}

double DecayingHistogram::decay_factor(double time_s) {
  if (time_s > reference_s_ + half_life_s_ * kMaxDecayExponent) shift_reference(time_s);
  return std::exp2((time_s - reference_s_) / half_life_s_);
}

double confidence_days(double first_sample_s, double last_sample_s, double samples) {
  const double lifespan_days = (last_sample_s - first_sample_s) / 86400.0;
  const double samples_days = samples / (60.0 * 24.0);
  return std::min(lifespan_days, samples_days);
}

}  // namespace augur::replay::vpa
