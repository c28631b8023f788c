#pragma once
// Small builders for planner tests: a host of instances on a fake timeline.
#include <chrono>
#include <string>

#include "augur/plan/planner.h"

namespace augur::plan::testing {

using std::chrono::seconds;

inline SteadyTime start_time() {
  return SteadyTime(seconds(1'000'000));
}

inline ResourceVector cpu_vector(double cores) {
  ResourceVector v;
  v[Resource::kCpu] = cores;
  return v;
}

// Options where only the rule under test matters: no cooldown, no capacity.
inline PlannerOptions quiet_options() {
  PlannerOptions o;
  o.plan.cpu = config::ResourceBounds{0.1, 0, 0.25, seconds(0)};
  o.plan.memory = config::ResourceBounds{1e6, 0, 0.25, seconds(0)};
  o.plan.headroom_margin = 0.15;
  o.plan.hysteresis = 0.05;
  o.plan.scale_down_window = seconds(300);
  o.plan.verify_settle = seconds(60);
  o.plan.breaker_flips_per_hour = 6;
  return o;
}

// An instance with a CPU allocation and a CPU need equal to its usage (no unmet demand).
inline InstanceInput cpu_instance(std::string id, double alloc_cores, double need_cores) {
  InstanceInput in;
  in.instance_id = std::move(id);
  in.allocation = cpu_vector(alloc_cores);
  in.need = cpu_vector(need_cores);
  in.usage = cpu_vector(std::min(need_cores, alloc_cores));
  return in;
}

inline HostInput host_at(SteadyTime at, std::vector<InstanceInput> instances) {
  HostInput h;
  h.at = at;
  h.instances = std::move(instances);
  return h;
}

}  // namespace augur::plan::testing
