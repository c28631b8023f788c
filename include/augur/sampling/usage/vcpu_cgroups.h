#pragma once
// libvirt's per-vCPU cgroups. Without systemd (cgroup v1 and v2 alike) the QEMU driver makes
// the domain's cgroup /machine/qemu-<id>-<name>.libvirt-qemu with children vcpu0..vcpuN-1 (one
// vCPU thread each), emulator (QEMU's other threads) and iothreadN; with systemd the same
// children sit under machine.slice/machine-qemu…scope/libvirt. The scheduler's vcpu_quota is
// written to every vcpuN (cpu.cfs_quota_us / cpu.max), global_quota to the domain's cgroup,
// emulator_quota to emulator. So, for a VM:
//   - the CPU allocation in force is the sum over vcpuN of min(1, quota/period) (a vCPU thread
//     runs on one CPU at a time; an unlimited vCPU counts 1), capped by the domain's own
//     quota/period; the emulator's quota is left out (it bounds QEMU's overhead, not the
//     guest's CPUs, and the planner never sets it). With no vcpuN quota at all, the domain's
//     value alone ("unlimited" when it has none: discovery's vCPU count stands).
//   - throttling happens in the cgroup whose quota ran out: the kernel counts it in that
//     cgroup's cpu.stat only (a parent with no quota shows nr_periods 0), so the VM's
//     throttling is the sum of the domain's and every vcpuN's cpu.stat.
// Verified on this machine's real cgroup v1 (tests/sampling_usage/real_vcpu_cgroups_test.cpp)
// and against the layout recorded from libvirt 9.0 (tests/fixtures/libvirt/real-tcg-guest).
#include <span>
#include <string>
#include <vector>

#include "augur/sampling/usage/field.h"
#include "augur/util/result.h"

namespace augur::sampling {

// Pure: the "vcpu<N>" names among a directory's entries, ordered by N.
std::vector<std::string> vcpu_cgroup_names(std::vector<std::string> entries);

// The vcpuN sub-directories of `dir` (full paths), ordered by N; empty when it has none.
Result<std::vector<std::string>> list_vcpu_cgroups(const std::string& dir);

// Pure: the cores a VM's vCPUs may use (see above). `domain` and each of `vcpus` are
// quota/period in cores, or missing with reason "unlimited", or missing with another reason
// (unreadable: then the result is missing with that reason, naming the vCPU).
Field<double> vm_cpu_limit(const Field<double>& domain, std::span<const Field<double>> vcpus);

}  // namespace augur::sampling
