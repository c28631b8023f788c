#pragma once
// Pattern generator of the prediction benchmarks (predict_bench.cpp, hnsw_compare_bench.cpp):
// clustered drift directions (recurring episodes of kClusters kinds, random unit centres, plus
// Gaussian noise of 0.3/sqrt(dim) per feature) with log-normal magnitudes, as the pattern index
// sees them: [unit direction, ln magnitude], so dim + 1 coordinates. And the timing helpers both
// use.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <random>
#include <utility>
#include <vector>

namespace augur::bench {

constexpr std::size_t kClusters = 500;

class PointMaker {
 public:
  PointMaker(std::size_t dim, std::uint64_t seed) : dim_(dim), rng_(seed) {
    centres_.resize(kClusters);
    for (auto& c : centres_) c = unit(gaussian(1.0));
  }
  std::vector<double> next() {
    std::uniform_int_distribution<std::size_t> pick(0, kClusters - 1);
    std::vector<double> u = centres_[pick(rng_)];
    const std::vector<double> noise = gaussian(0.3 / std::sqrt(static_cast<double>(dim_)));
    for (std::size_t i = 0; i < dim_; ++i) u[i] += noise[i];
    u = unit(std::move(u));
    std::lognormal_distribution<double> magnitude(1.0, 0.5);
    u.push_back(std::log(magnitude(rng_)));
    return u;
  }

 private:
  std::vector<double> gaussian(double sd) {
    std::normal_distribution<double> n(0, sd);
    std::vector<double> v(dim_);
    for (double& x : v) x = n(rng_);
    return v;
  }
  static std::vector<double> unit(std::vector<double> v) {
    double s = 0;
    for (double x : v) s += x * x;
    for (double& x : v) x /= std::sqrt(s);
    return v;
  }
  std::size_t dim_;
  std::mt19937_64 rng_;
  std::vector<std::vector<double>> centres_;
};

// The thread's CPU time: on a shared machine wall-clock percentiles include preemption.
inline double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace augur::bench
