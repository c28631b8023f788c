#pragma once
// Which backend changes which resource of which instance. The actuator owns the backends;
// any may be absent (no libvirt connection, no cgroup2 mount, no tc). Order tried, the first
// whose unsupported() is empty wins:
//   virtual machines:        libvirt, tc, cgroup v2, cgroup v1
//   containers and processes: tc, cgroup v2, cgroup v1
// so network goes to libvirt (VM interfaces) or tc, and a container's CPU, memory and disk
// go to cgroup v2 where its controller file exists, else to v1.
#include <memory>
#include <string>

#include "augur/actuate/backend.h"

namespace augur::actuate {

struct Backends {
  std::unique_ptr<Backend> libvirt;
  std::unique_ptr<Backend> tc;
  std::unique_ptr<Backend> cgroup_v2;
  std::unique_ptr<Backend> cgroup_v1;
};

// The backend for `r` of `instance`, or nullptr with every candidate's reason
// ("libvirt: ...; cgroup-v1: ..."), or "no backend configured" when none is present.
struct BackendChoice {
  Backend* backend = nullptr;
  std::string unsupported_reason;
};
BackendChoice choose_backend(const Backends& backends, const Instance& instance, Resource r);

}  // namespace augur::actuate
