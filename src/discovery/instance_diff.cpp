#include <cmath>
#include <unordered_map>

#include "augur/discovery/discoverer.h"

namespace augur::discovery {
bool same_instance_state(const Instance& a, const Instance& b) {
  return a.id == b.id && a.name == b.name && a.app_type == b.app_type && a.kind == b.kind &&
         a.main_pid == b.main_pid && a.thread_ids == b.thread_ids && a.cgroups == b.cgroups &&
         a.vcpus_current == b.vcpus_current && a.vcpus_max == b.vcpus_max && a.disks == b.disks &&
         a.disk_sources == b.disk_sources && a.interfaces == b.interfaces &&
         a.allocation == b.allocation && a.max_allocation == b.max_allocation;
}

DiscoveryDiff diff_instances(const std::vector<Instance>& before,
                             const std::vector<Instance>& after) {
  DiscoveryDiff diff;
  std::unordered_map<std::string_view, const Instance*> old_by_id;
  for (const auto& inst : before) old_by_id.emplace(inst.id, &inst);
  std::unordered_map<std::string_view, const Instance*> new_by_id;
  for (const auto& inst : after) {
    if (!new_by_id.emplace(inst.id, &inst).second) continue;  // duplicate id: first wins
    const auto it = old_by_id.find(inst.id);
    if (it == old_by_id.end()) {
      diff.added.push_back(inst);
    } else if (!same_instance_state(*it->second, inst)) {
      diff.changed.push_back(inst);
    }
  }
  for (const auto& inst : before) {
    if (!new_by_id.contains(inst.id) && old_by_id.at(inst.id) == &inst)
      diff.removed.push_back(inst);
  }
  return diff;
}

}  // namespace augur::discovery
