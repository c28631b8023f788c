#pragma once
// Synthetic instances for the drift tests: Samples with every metric the fingerprint uses,
// each a level times (1 + relative noise), with a chosen noise shape and injected changes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "augur/core/sample.h"

namespace augur::drift::testing {

enum class Noise { kGaussian, kStudentT3, kAr1 };

inline const char* noise_name(Noise n) {
  switch (n) {
    case Noise::kGaussian: return "gaussian";
    case Noise::kStudentT3: return "student-t3";
    case Noise::kAr1: return "ar1-phi0.8";
  }
  return "?";
}

// Unit-variance noise of the chosen shape, one independent stream per metric.
class NoiseSource {
 public:
  NoiseSource(Noise shape, std::uint64_t seed) : shape_(shape), rng_(seed) {}
  double next() {
    switch (shape_) {
      case Noise::kGaussian: return normal_(rng_);
      case Noise::kStudentT3: return student_(rng_) / std::sqrt(3.0);  // var of t3 is 3
      case Noise::kAr1:
        // x_t = 0.8 x_{t-1} + sqrt(1 - 0.64) e_t: stationary with unit variance.
        state_ = 0.8 * state_ + 0.6 * normal_(rng_);
        return state_;
    }
    return 0;
  }

 private:
  Noise shape_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::student_t_distribution<double> student_{3.0};
  double state_ = 0;
};

struct Level {
  Metric metric;
  double level;
  double relative_noise;
};

// Two workload profiles that differ in shape, not only in scale.
inline std::vector<Level> web_profile() {
  return {{Metric::kCpuUsageCores, 2.0, 0.1},        {Metric::kCycles, 4e9, 0.1},
          {Metric::kInstructions, 6e9, 0.1},         {Metric::kCacheMisses, 1.8e7, 0.1},
          {Metric::kBranchMisses, 6e6, 0.1},         {Metric::kContextSwitches, 5000, 0.1},
          {Metric::kPageFaults, 200, 0.2},           {Metric::kMemoryBytes, 4e9, 0.01},
          {Metric::kDiskReadBytes, 5e6, 0.2},        {Metric::kDiskWriteBytes, 2e6, 0.2},
          {Metric::kDiskReadOps, 500, 0.2},          {Metric::kDiskWriteOps, 200, 0.2},
          {Metric::kNetRxBytes, 1e7, 0.2},           {Metric::kNetTxBytes, 5e6, 0.2},
          {Metric::kRunqueueWaitShare, 0.05, 0.2},   {Metric::kCpuPressureSome, 0.02, 0.3},
          {Metric::kMemoryPressureSome, 0.005, 0.3}, {Metric::kIoPressureSome, 0.01, 0.3},
          {Metric::kCpuThrottledShare, 0.0, 0.0}};  // flat: exercises the scale floor
}

inline std::vector<Level> batch_profile() {
  return {{Metric::kCpuUsageCores, 6.0, 0.05},      {Metric::kCycles, 1.2e10, 0.05},
          {Metric::kInstructions, 8e9, 0.05},       {Metric::kCacheMisses, 1.6e8, 0.1},
          {Metric::kBranchMisses, 2e6, 0.1},        {Metric::kContextSwitches, 400, 0.2},
          {Metric::kPageFaults, 3000, 0.2},         {Metric::kMemoryBytes, 16e9, 0.01},
          {Metric::kDiskReadBytes, 8e7, 0.2},       {Metric::kDiskWriteBytes, 4e7, 0.2},
          {Metric::kDiskReadOps, 300, 0.2},         {Metric::kDiskWriteOps, 150, 0.2},
          {Metric::kNetRxBytes, 1e5, 0.2},          {Metric::kNetTxBytes, 1e5, 0.2},
          {Metric::kRunqueueWaitShare, 0.2, 0.2},   {Metric::kCpuPressureSome, 0.1, 0.3},
          {Metric::kMemoryPressureSome, 0.01, 0.3}, {Metric::kIoPressureSome, 0.05, 0.3},
          {Metric::kCpuThrottledShare, 0.0, 0.0}};
}

enum class Change { kLevel, kTrend, kVariance };

// From tick `start`: level adds `amount` x level; trend adds amount x level per tick;
// variance multiplies the noise by `amount`.
struct Injection {
  Metric metric;
  Change change;
  long start;
  double amount;
};

class SyntheticInstance {
 public:
  SyntheticInstance(std::string id, std::vector<Level> profile, Noise shape, std::uint64_t seed,
                    int vcpus = 4)
      : id_(std::move(id)), profile_(std::move(profile)), vcpu_noise_(shape, seed * 977 + 1) {
    for (std::size_t i = 0; i < profile_.size(); ++i) noise_.emplace_back(shape, seed * 131 + i);
    vcpus_.resize(static_cast<std::size_t>(vcpus));
  }

  void inject(Injection j) { injections_.push_back(j); }
  void set_missing(Metric m) { missing_.push_back(m); }
  [[nodiscard]] long tick() const { return tick_; }

  Sample next() {
    Sample s;
    s.instance_id = id_;
    s.at = SteadyTime(std::chrono::seconds(1'000'000 + tick_));
    s.elapsed = std::chrono::seconds(1);
    for (std::size_t i = 0; i < profile_.size(); ++i) {
      const Level& l = profile_[i];
      double level = l.level;
      double noise_scale = l.relative_noise;
      for (const Injection& j : injections_) {
        if (j.metric != l.metric || tick_ < j.start) continue;
        switch (j.change) {
          case Change::kLevel: level += j.amount * l.level; break;
          case Change::kTrend:
            level += j.amount * l.level * static_cast<double>(tick_ - j.start);
            break;
          case Change::kVariance: noise_scale *= j.amount; break;
        }
      }
      const double v = std::max(0.0, level + l.level * noise_scale * noise_[i].next());
      if (std::find(missing_.begin(), missing_.end(), l.metric) == missing_.end()) {
        s.set(l.metric, v);
      }
    }
    for (double& u : vcpus_) u = std::clamp(0.5 + 0.05 * vcpu_noise_.next(), 0.0, 1.0);
    s.vcpu_utilisation = vcpus_;
    ++tick_;
    return s;
  }

 private:
  std::string id_;
  std::vector<Level> profile_;
  std::vector<NoiseSource> noise_;
  NoiseSource vcpu_noise_;
  std::vector<double> vcpus_;
  std::vector<Injection> injections_;
  std::vector<Metric> missing_;
  long tick_ = 0;
};

}  // namespace augur::drift::testing
