#pragma once
// The allocation policies replay compares (EVALUATION.md "The policies"), behind one
// interface. A policy sees only what a host would show (usage capped at the allocation
// and the saturating pressure signal), never the demand: every policy is handed the
// HostModel at start for ids, a0, step and bounds, and only the oracle reads its demand.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/resource.h"
#include "augur/replay/host.h"
#include "augur/util/result.h"

namespace augur::replay {

// What the host showed for one instance over one step (the same for every policy).
struct Observation {
  bool present = false;       // the instance had a row at that step
  ResourceVector usage;       // u = min(d, a); NaN: not observed
  ResourceVector pressure;    // p = min(1, max(d - a, 0) / a); NaN: not observed
  ResourceVector allocation;  // a in force during the step

  // The demand estimate throttling and pressure allow: u + p * a (EVALUATION.md).
  [[nodiscard]] double demand_estimate(Resource r) const {
    return usage[r] + pressure[r] * allocation[r];
  }
};

// One decision: the allocation of step `tick`, from what was seen up to the end of
// step tick - 1.
struct StepContext {
  std::size_t tick = 0;
  std::int64_t time_s = 0;  // start of step `tick` = end of the observed step
  // Per instance (HostModel::instances order): the observation of step tick - 1 (present
  // is false when the instance had no row then, or did not live yet).
  std::span<const Observation> observed;
  // Per instance: 1 when the instance lives at step `tick`.
  std::span<const std::uint8_t> live;
  // Per instance: 1 when the instance's life starts at step `tick` (its allocation is a0).
  std::span<const std::uint8_t> starting;
};

// Prediction error of the augur policy: sums of |predicted increase - labelled outcome| /
// a0 per resource, and how many terms.
struct PredictionErrorSums {
  ResourceVector sum{0, 0, 0, 0};
  std::array<std::uint64_t, kResourceCount> count{};
  std::uint64_t predictions_made = 0;      // available predictions at an episode start
  std::uint64_t predictions_labelled = 0;  // of those, whose pattern was labelled
  // What the engine did, to read the figures by: samples a trusted baseline scored, drift
  // episodes started, changes applied.
  std::uint64_t samples_scored = 0;
  std::uint64_t episodes_started = 0;
  std::uint64_t changes_applied = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // A fresh run on `host` (no state kept from an earlier run).
  virtual Status start(const HostModel& host) = 0;
  // Sets allocation[i] for the step of `step.tick`; on entry it holds a(tick - 1), or a0
  // for an instance starting at this tick. Only live instances matter. The runner clamps
  // the result to [floor, host capacity] afterwards.
  virtual void decide(const StepContext& step, std::span<ResourceVector> allocation) = 0;
  // The augur policy's prediction error; nullopt for the others.
  [[nodiscard]] virtual std::optional<PredictionErrorSums> prediction_errors() const {
    return std::nullopt;
  }
};

// EVALUATION.md `static`: the initial allocation, never changed.
std::unique_ptr<Policy> make_static_policy();
// EVALUATION.md `oracle`: a(t) = 1.05 x the peak demand over steps [t, t + H - 1] (held where
// that window has no demand). The only policy that reads demand.
std::unique_ptr<Policy> make_oracle_policy();

inline constexpr std::string_view kPolicyNames[] = {"static", "reactive", "augur", "oracle"};

}  // namespace augur::replay
