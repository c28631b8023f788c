#pragma once
// The host-capacity pass of the planner (rule documented in augur/plan/planner.h): per
// resource, hold what is allocated (less proposed decreases), then grant increases by
// priority within capacity x overcommit.
#include <vector>

#include "augur/plan/planner_types.h"
#include "proposal.h"

namespace augur::plan {

// Cuts or drops (Proposal::dropped) the increases that do not fit; counts each cut.
void apply_capacity(const HostInput& host, const PlannerOptions& options,
                    std::vector<Proposal>& proposals, PlannerCounters& counters);

}  // namespace augur::plan
