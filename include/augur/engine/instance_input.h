#pragma once
// Sample -> the planner's view of one instance (plan::InstanceInput): usage, need and the
// contention signals, in one place for the daemon and replay.
#include "augur/core/sample.h"
#include "augur/plan/planner_types.h"

namespace augur::engine {

// Memory pressure "some" above this share of the tick counts as pressure (no shrinking).
inline constexpr double kMemoryPressureFloor = 0.001;

// Usage alone per resource (cores, bytes, bytes/s): CPU from cgroup usage, else task-clock;
// memory from memory_bytes, else the guest's used bytes; disk read+write; network rx+tx.
// NaN where the sample lacks the metric.
ResourceVector usage_from_sample(const Sample& sample);

// Everything but id, priority, max_allocation and prediction, which the caller knows.
plan::InstanceInput instance_input(const Sample& sample);

}  // namespace augur::engine
