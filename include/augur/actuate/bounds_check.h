#pragma once
// The last check before a write: is the value inside the configured [min, max] of its
// resource? The planner already clamps; this catches a stale plan after a reload, a bug, or
// an instance whose maximum shrank. A value outside is refused, never clamped and written.
#include <optional>
#include <string>

#include "augur/config/config.h"
#include "augur/core/instance.h"
#include "augur/core/resource.h"

namespace augur::actuate {

struct Interval {
  double min = 0;
  double max = 0;  // +inf when nothing bounds it
};

// The bounds of `r` for `instance`: [bounds.min, bounds.max], where a max of 0 means the
// instance's own maximum (Instance::max_allocation) and, without one, no upper bound.
Interval effective_bounds(const config::PlanSection& plan, const Instance& instance, Resource r);

// nullopt when `value` may be written; otherwise the clamp that refuses it, e.g.
// "max 4 (value 6)", "min 0.1 (value 0.05)", "max 4 (value unlimited)", "invalid (value -1)".
// NaN (no limit) is inside only when the interval has no finite max.
std::optional<std::string> refusal(double value, const Interval& bounds);

}  // namespace augur::actuate
