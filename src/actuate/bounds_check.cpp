#include "augur/actuate/bounds_check.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace augur::actuate {
namespace {

const config::ResourceBounds& bounds_of(const config::PlanSection& plan, Resource r) {
  switch (r) {
    case Resource::kCpu: return plan.cpu;
    case Resource::kMemory: return plan.memory;
    case Resource::kDisk: return plan.disk;
    case Resource::kNetwork: return plan.network;
  }
  return plan.cpu;
}

std::string number(double v) {
  if (std::isnan(v)) return "unlimited";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

Interval effective_bounds(const config::PlanSection& plan, const Instance& instance, Resource r) {
  const auto& b = bounds_of(plan, r);
  Interval out{b.min, std::numeric_limits<double>::infinity()};
  if (b.max > 0) {
    out.max = b.max;
  } else if (instance.max_allocation.known(r) && instance.max_allocation[r] > 0) {
    out.max = instance.max_allocation[r];
  }
  return out;
}

std::optional<std::string> refusal(double value, const Interval& bounds) {
  const std::string shown = " (value " + number(value) + ")";
  if (std::isnan(value)) {
    if (std::isinf(bounds.max)) return std::nullopt;
    return "max " + number(bounds.max) + shown;
  }
  if (!std::isfinite(value) || value < 0) return "invalid" + shown;
  if (value < bounds.min) return "min " + number(bounds.min) + shown;
  if (value > bounds.max) return "max " + number(bounds.max) + shown;
  return std::nullopt;
}

}  // namespace augur::actuate
