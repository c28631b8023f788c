#include "augur/replay/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace augur::replay {

namespace {

// splitmix64: small, fast, and the same on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Standard normal by Box-Muller (one value per call; the pair's twin is dropped).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::uint64_t state_;
};

Metric metric_for(Resource r) {
  switch (r) {
    case Resource::kCpu: return Metric::kCpuUsageCores;
    case Resource::kMemory: return Metric::kMemoryBytes;
    case Resource::kDisk: return Metric::kDiskReadBytes;
    case Resource::kNetwork: return Metric::kNetRxBytes;
  }
  return Metric::kCpuUsageCores;
}

}  // namespace

double phase_multiplier(const SyntheticOptions& o, std::size_t offset, std::size_t t) {
  if (o.period_steps == 0 || t < offset) return 1.0;
  const std::size_t k = (t - offset) % o.period_steps;
  if (k < o.ramp_steps) {
    return 1.0 +
           (o.factor - 1.0) * static_cast<double>(k + 1) / static_cast<double>(o.ramp_steps + 1);
  }
  if (k < o.ramp_steps + o.phase_steps) return o.factor;
  return 1.0;
}

trace::Trace make_synthetic_trace(const SyntheticOptions& o) {
  trace::Trace t;
  t.format = "synthetic";
  t.path = "synthetic:" + std::to_string(o.seed);
  Rng rng(o.seed);
  for (std::size_t i = 0; i < o.instances; ++i) {
    trace::TraceInstance in;
    in.id = "syn-" + std::to_string(i);
    in.source = t.path;
    in.app_type = o.app_type;
    in.step = o.step;
    const double scale = 0.5 + rng.uniform();
    const std::size_t quarter = o.period_steps / 4;
    const std::size_t offset =
        quarter + static_cast<std::size_t>(rng.uniform() * static_cast<double>(2 * quarter));
    in.timestamps_s.resize(o.steps);
    for (std::size_t k = 0; k < o.steps; ++k) {
      in.timestamps_s[k] = static_cast<std::int64_t>(k) * o.step.count();
    }
    for (Resource r : kAllResources) {
      if (std::isnan(o.baseline[r])) continue;
      auto& col = in.demand[static_cast<std::size_t>(metric_for(r))];
      col.resize(o.steps);
      const bool phased = o.phase_resources.test(static_cast<std::size_t>(r));
      for (std::size_t k = 0; k < o.steps; ++k) {
        const double m = phased ? phase_multiplier(o, offset, k) : 1.0;
        col[k] = o.baseline[r] * scale * m * std::max(0.0, 1.0 + o.noise * rng.normal());
      }
    }
    t.report.rows_read += o.steps;
    t.report.rows_used += o.steps;
    t.instances.push_back(std::move(in));
  }
  return t;
}

}  // namespace augur::replay
