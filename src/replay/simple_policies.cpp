// `static` and `oracle` (EVALUATION.md "The policies").
#include <algorithm>
#include <cmath>
#include <deque>

#include "augur/replay/policy.h"

namespace augur::replay {

namespace {

class StaticPolicy final : public Policy {
 public:
  [[nodiscard]] std::string_view name() const override { return "static"; }
  Status start(const HostModel&) override { return {}; }
  void decide(const StepContext&, std::span<ResourceVector>) override {}
};

constexpr double kOracleMargin = 1.05;

class OraclePolicy final : public Policy {
 public:
  [[nodiscard]] std::string_view name() const override { return "oracle"; }

  // Precomputes, per instance and resource, the peak demand over [t, t + H - 1] with a
  // monotonic deque: O(span) per series.
  Status start(const HostModel& host) override {
    host_ = &host;
    peak_.assign(host.instances.size(), {});
    const std::size_t h = host.horizon_steps;
    std::deque<std::size_t> window;
    for (std::size_t i = 0; i < host.instances.size(); ++i) {
      const HostInstance& inst = host.instances[i];
      for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
        if (!inst.simulated.test(ri)) continue;
        const auto& d = inst.demand[ri];
        auto& out = peak_[i][ri];
        out.assign(d.size(), kUnknown);
        window.clear();
        // Walk backwards: window holds indices in [k, k + h - 1] with decreasing demand.
        for (std::size_t k = d.size(); k-- > 0;) {
          if (!std::isnan(d[k])) {
            while (!window.empty() && d[window.back()] <= d[k]) window.pop_back();
            window.push_back(k);
          }
          while (!window.empty() && window.front() >= k + h) window.pop_front();
          if (!window.empty()) out[k] = d[window.front()];
        }
      }
    }
    return {};
  }

  void decide(const StepContext& step, std::span<ResourceVector> allocation) override {
    for (std::size_t i = 0; i < peak_.size(); ++i) {
      if (!step.live[i]) continue;
      const std::size_t k = step.tick - host_->instances[i].first_tick;
      for (std::size_t ri = 0; ri < kResourceCount; ++ri) {
        const auto& p = peak_[i][ri];
        if (p.empty() || std::isnan(p[k])) continue;  // no demand ahead: hold
        allocation[i].values[ri] = p[k] * kOracleMargin;
      }
    }
  }

 private:
  const HostModel* host_ = nullptr;
  std::vector<std::array<std::vector<double>, kResourceCount>> peak_;
};

}  // namespace

std::unique_ptr<Policy> make_static_policy() {
  return std::make_unique<StaticPolicy>();
}
std::unique_ptr<Policy> make_oracle_policy() {
  return std::make_unique<OraclePolicy>();
}

}  // namespace augur::replay
