// The `reactive` policy: VPA's recommender per instance (model/container.go,
// model/aggregate_container_state.go, logic/estimator.go, logic/recommender.go) and the
// EVALUATION.md update rule (move to the target when the allocation leaves [lower, upper];
// memory OOM bump).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "augur/replay/vpa.h"

namespace augur::replay::vpa {

namespace {

constexpr std::size_t kCpu = static_cast<std::size_t>(Resource::kCpu);
constexpr std::size_t kMemory = static_cast<std::size_t>(Resource::kMemory);

// One instance: what VPA's AggregateContainerState and ContainerState hold.
struct InstanceState {
  std::array<std::optional<DecayingHistogram>, kResourceCount> histogram;
  std::array<double, kResourceCount> last_sample_s{};  // per-resource de-duplication
  // Memory: one peak per aggregation interval (container.go).
  bool memory_window_started = false;
  double memory_window_end_s = 0;
  double memory_peak = 0;
  double oom_peak = 0;
  double last_memory_sample_s = -std::numeric_limits<double>::infinity();
  // Confidence (from CPU samples, as VPA; from any sample when the instance has no CPU).
  double first_sample_s = kUnknown;
  double last_confidence_sample_s = kUnknown;
  double samples = 0;  // in one-minute samples
};

class ReactivePolicy final : public Policy {
 public:
  explicit ReactivePolicy(const Options& options) : options_(options) {}
  [[nodiscard]] std::string_view name() const override { return "reactive"; }

  Status start(const HostModel& host) override {
    host_ = &host;
    schemes_.clear();
    scheme_of_.fill(nullptr);
    for (Resource r : kAllResources) {
      const std::size_t ri = static_cast<std::size_t>(r);
      const bool normalised = host.floor[r] == kFloorNormalised;
      double first = 0;
      double max = 0;
      if (normalised) {
        first = options_.normalised_first_bucket;
        max = options_.normalised_max;
      } else if (r == Resource::kCpu) {
        first = options_.cpu_first_bucket_cores;
        max = options_.cpu_max_cores;
      } else if (r == Resource::kMemory) {
        first = options_.memory_first_bucket_bytes;
        max = options_.memory_max_bytes;
      } else {
        first = options_.io_first_bucket_bytes_per_s;
        max = options_.io_max_bytes_per_s;
      }
      // A cluster sum can exceed VPA's 1000-core range; widen it rather than clip.
      if (host.capacity.known(r)) max = std::max(max, 10 * host.capacity[r]);
      normalised_[ri] = normalised;
      schemes_.push_back(
          std::make_unique<BucketScheme>(max, first, 1 + options_.bucket_growth, options_.epsilon));
      scheme_of_[ri] = schemes_.back().get();
    }
    state_.clear();
    state_.resize(host.instances.size());
    return {};
  }

  void decide(const StepContext& step, std::span<ResourceVector> allocation) override {
    const double step_s = static_cast<double>(host_->step.count());
    const double minutes = step_s / 60.0;  // one step = this many one-minute samples
    const double sample_s = static_cast<double>(step.time_s) - step_s;  // observed step start
    for (std::size_t i = 0; i < state_.size(); ++i) {
      if (!step.live[i]) continue;
      const HostInstance& inst = host_->instances[i];
      if (step.starting[i]) state_[i] = make_state(inst);
      const Observation& obs = step.observed[i];
      if (!obs.present) continue;
      InstanceState& st = state_[i];
      bool counted = false;
      for (Resource r : kAllResources) {
        const std::size_t ri = static_cast<std::size_t>(r);
        if (!inst.simulated.test(ri) || !obs.usage.known(r) || !obs.allocation.known(r)) continue;
        const double s = obs.demand_estimate(r);
        if (r == Resource::kMemory) {
          add_memory_sample(st, s, sample_s, false);
          if (obs.pressure[r] > 0) record_oom(st, sample_s, obs.allocation[r]);
        } else if (sample_s > st.last_sample_s[ri]) {
          // Weight = the request (CPU; floored at minSampleWeight) so a raised request
          // makes older history count less; disk and network have no request weighting.
          const double w =
              r == Resource::kCpu ? std::max(obs.allocation[r], options_.min_sample_weight) : 1.0;
          st.histogram[ri]->add(s, w * minutes, sample_s);
          st.last_sample_s[ri] = sample_s;
        }
        if (r == Resource::kCpu || !inst.simulated.test(kCpu)) counted = true;
      }
      if (counted) {
        if (std::isnan(st.first_sample_s)) st.first_sample_s = sample_s;
        st.last_confidence_sample_s = sample_s;
        st.samples += minutes;
      }
      // No counted sample yet: confidence 0 (VPA's empty history: lower 0, upper infinite).
      const double confidence =
          std::isnan(st.first_sample_s)
              ? 0.0
              : confidence_days(st.first_sample_s, st.last_confidence_sample_s, st.samples);
      for (Resource r : kAllResources) {
        const std::size_t ri = static_cast<std::size_t>(r);
        if (!inst.simulated.test(ri) || st.histogram[ri]->empty()) continue;
        const Recommendation rec = recommend(*st.histogram[ri], r, confidence);
        double& a = allocation[i][r];
        if (a < rec.lower || a > rec.upper) a = rec.target;
        if (r == Resource::kMemory && obs.usage.known(r) && obs.pressure[r] > 0) {
          const double s = obs.demand_estimate(r);
          const double bump = normalised_[ri] ? 0.0 : options_.oom_min_bump_bytes;
          a = std::max(a, std::max(options_.oom_bump_ratio * s, s + bump));
        }
      }
    }
  }

 private:
  InstanceState make_state(const HostInstance& inst) const {
    InstanceState st;
    for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
      st.last_sample_s[ri] = -std::numeric_limits<double>::infinity();
      if (inst.simulated.test(ri)) st.histogram[ri].emplace(scheme_of_[ri], options_.half_life_s);
    }
    return st;
  }

  // container.go addMemorySample: one peak per interval, replaced when exceeded.
  void add_memory_sample(InstanceState& st, double value, double ts, bool oom) const {
    if (!oom && ts < st.last_memory_sample_s) return;
    st.last_memory_sample_s = ts;
    if (!st.memory_window_started) {
      st.memory_window_end_s = ts;
      st.memory_window_started = true;
    }
    bool add_new_peak = false;
    auto& h = *st.histogram[kMemory];
    if (ts < st.memory_window_end_s) {
      const double old_peak = std::max(st.memory_peak, st.oom_peak);
      if (old_peak != 0 && value > old_peak) {
        h.subtract(old_peak, 1.0, st.memory_window_end_s);
        add_new_peak = true;
      }
    } else {
      const double interval = options_.memory_aggregation_interval_s;
      const double shift =
          std::floor((ts - st.memory_window_end_s) / interval) * interval + interval;
      st.memory_window_end_s += shift;
      st.memory_peak = 0;
      st.oom_peak = 0;
      add_new_peak = true;
    }
    if (add_new_peak) {
      h.add(value, 1.0, st.memory_window_end_s);
      (oom ? st.oom_peak : st.memory_peak) = value;
    }
  }

  // container.go RecordOOM: an artificial sample of max(request, peak) bumped.
  void record_oom(InstanceState& st, double ts, double request) const {
    const double used = std::max(request, st.memory_peak);
    const double bump = normalised_[kMemory] ? 0.0 : options_.oom_min_bump_bytes;
    const double needed = std::max(used + bump, used * options_.oom_bump_ratio);
    add_memory_sample(st, needed, ts, true);
  }

  [[nodiscard]] Recommendation recommend(const DecayingHistogram& h, Resource r,
                                         double confidence) const {
    const std::size_t ri = static_cast<std::size_t>(r);
    double min = 0;
    if (!normalised_[ri] && r == Resource::kCpu) min = options_.min_cpu_cores;
    if (!normalised_[ri] && r == Resource::kMemory) min = options_.min_memory_bytes;
    const double margin = 1 + options_.safety_margin;
    // estimator.go: base x (1 + multiplier / confidence)^exponent; 0 x inf counts as 0.
    auto with_confidence = [&](double base, double multiplier, double exponent) {
      if (base == 0) return 0.0;
      return base * std::pow(1 + multiplier / confidence, exponent);
    };
    Recommendation rec;
    rec.target = std::max(h.percentile(options_.target_percentile) * margin, min);
    rec.lower = std::max(
        with_confidence(h.percentile(options_.lower_percentile) * margin,
                        options_.lower_confidence_multiplier, options_.lower_confidence_exponent),
        min);
    rec.upper = std::max(
        with_confidence(h.percentile(options_.upper_percentile) * margin,
                        options_.upper_confidence_multiplier, options_.upper_confidence_exponent),
        min);
    return rec;
  }

  Options options_;
  const HostModel* host_ = nullptr;
  std::vector<std::unique_ptr<BucketScheme>> schemes_;
  std::array<const BucketScheme*, kResourceCount> scheme_of_{};
  std::array<bool, kResourceCount> normalised_{};
  std::vector<InstanceState> state_;
};

}  // namespace

std::unique_ptr<Policy> make_reactive_policy(const Options& options) {
  return std::make_unique<ReactivePolicy>(options);
}

}  // namespace augur::replay::vpa
