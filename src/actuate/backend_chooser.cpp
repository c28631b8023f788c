#include "augur/actuate/backend_chooser.h"

#include <array>

namespace augur::actuate {

BackendChoice choose_backend(const Backends& backends, const Instance& instance, Resource r) {
  std::array<Backend*, 4> order{};
  if (instance.kind == InstanceKind::kVirtualMachine) {
    order = {backends.libvirt.get(), backends.tc.get(), backends.cgroup_v2.get(),
             backends.cgroup_v1.get()};
  } else {
    order = {backends.tc.get(), backends.cgroup_v2.get(), backends.cgroup_v1.get(), nullptr};
  }
  BackendChoice choice;
  for (Backend* candidate : order) {
    if (candidate == nullptr) continue;
    auto reason = candidate->unsupported(instance, r);
    if (!reason) {
      choice.backend = candidate;
      choice.unsupported_reason.clear();
      return choice;
    }
    if (!choice.unsupported_reason.empty()) choice.unsupported_reason += "; ";
    choice.unsupported_reason += std::string(candidate->name()) + ": " + *reason;
  }
  if (choice.unsupported_reason.empty()) choice.unsupported_reason = "no backend configured";
  return choice;
}

}  // namespace augur::actuate
