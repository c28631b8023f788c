#include "capacity.h"

#include <algorithm>

namespace augur::plan {

void apply_capacity(const HostInput& host, const PlannerOptions& options,
                    std::vector<Proposal>& proposals, PlannerCounters& counters) {
  const config::PlanSection& p = options.plan;
  for (Resource r : kAllResources) {
    if (!host.capacity.known(r)) continue;
    const bool busy =
        host.utilisation.known(r) && host.utilisation[r] >= options.overcommit_utilisation_ceiling;
    const double budget = host.capacity[r] * (busy ? 1.0 : std::max(p.overcommit_ratio, 1.0));

    // What is held: every known allocation, lowered where a decrease is proposed.
    std::vector<const Proposal*> by_instance(host.instances.size(), nullptr);
    std::vector<Proposal*> increases;
    for (Proposal& prop : proposals) {
      if (prop.resource != r || prop.dropped) continue;
      by_instance[prop.instance] = &prop;
      if (prop.target > prop.old_value) increases.push_back(&prop);
    }
    double held = 0;
    for (std::size_t i = 0; i < host.instances.size(); ++i) {
      const ResourceVector& alloc = host.instances[i].allocation;
      if (!alloc.known(r)) continue;
      held += by_instance[i] ? std::min(alloc[r], by_instance[i]->target) : alloc[r];
    }
    double left = budget - held;

    std::sort(increases.begin(), increases.end(), [&](const Proposal* x, const Proposal* y) {
      const InstanceInput& a = host.instances[x->instance];
      const InstanceInput& b = host.instances[y->instance];
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.instance_id < b.instance_id;
    });
    for (Proposal* prop : increases) {
      const double want = prop->target - prop->old_value;
      if (want <= left) {
        left -= want;
        continue;
      }
      ++counters.capacity_limited;
      const double granted = std::max(left, 0.0);
      if (granted <= 0 || granted < p.hysteresis * prop->old_value) {
        prop->dropped = true;
        continue;
      }
      prop->target = prop->old_value + granted;
      prop->clamp = "host-capacity";
      left -= granted;
    }
  }
}

}  // namespace augur::plan
