#pragma once
// What discovery knows about one VM, container or process: everything the sampler and
// the actuators need to find and change it.
#include <sys/types.h>

#include <string>
#include <vector>

#include "augur/core/resource.h"

namespace augur {

enum class InstanceKind { kVirtualMachine, kContainer, kProcess };

// A cgroup of the instance in one hierarchy. `controller` is the v1 controller name
// ("cpu", "memory", ...) or empty for the unified (v2) hierarchy; `path` is relative to
// that hierarchy's root, as /proc/<pid>/cgroup writes it ("/machine/qemu-1-vm.libvirt-qemu").
struct CgroupRef {
  std::string controller;
  std::string path;
  bool operator==(const CgroupRef&) const = default;
};

struct Instance {
  std::string id;        // stable: libvirt UUID, "cgroup:<path>", or "static:<name>"
  std::string name;      // what operators call it (domain name, cgroup leaf, process name)
  std::string app_type;  // declared application type; empty when unknown
  InstanceKind kind = InstanceKind::kProcess;
  pid_t main_pid = 0;             // QEMU process, or a process in the container; 0 if none
  std::vector<pid_t> thread_ids;  // threads to count: vCPU threads, or all threads
  std::vector<CgroupRef> cgroups;
  ResourceVector allocation;      // in force now (NaN: unlimited / unknown)
  ResourceVector max_allocation;  // hard ceiling the backend allows (e.g. maxMemory)
  int vcpus_current = 0;
  int vcpus_max = 0;
  std::vector<std::string> disks;  // libvirt target names ("vda") or block devices ("8:0")
  // A VM's disk sources on the host (image file or block device), same order as disks; ""
  // when not a local path. Empty for containers.
  std::vector<std::string> disk_sources;
  std::vector<std::string> interfaces;  // libvirt / host-side interface names

  bool operator==(const Instance&) const = default;
};

}  // namespace augur
