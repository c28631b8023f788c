#pragma once
// The QEMU process of a libvirt domain: its pid, its vCPU threads and its cgroups.
//
// Method (primary): the pid from the QEMU driver's pid file <runtime_dir>/<domain>.pid
// (/run/libvirt/qemu for qemu:///system), checked against /proc/<pid>/cmdline ("-name
// guest=<domain>,debug-threads=on", which libvirt always passes); vCPU threads are the tasks
// whose comm is "CPU <n>/<accel>" ("CPU 0/TCG", "CPU 0/KVM"), a name QEMU gives them because
// of debug-threads=on. Verified on a real libvirt 9.0 / QEMU 7.2 TCG guest: the comm names,
// QMP query-cpus-fast and HMP "info cpus" give the same tids
// (tests/fixtures/libvirt/real-tcg-guest, test QemuProcess.*).
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/instance.h"
#include "augur/util/result.h"

namespace augur::discovery {

inline constexpr std::string_view kQemuSystemRuntimeDir = "/run/libvirt/qemu";

// Pure: "CPU 3/TCG" -> 3, "CPU 0/KVM" -> 0; any other thread name -> nullopt.
std::optional<int> parse_vcpu_thread_name(std::string_view comm);

// Pure: true when a NUL-separated QEMU command line has "-name" with "guest=<domain>" (or the
// old bare "<domain>" form).
bool cmdline_names_guest(std::string_view cmdline, std::string_view domain);

// Pure: libvirt puts QEMU's main thread in the "emulator" child of the domain's cgroup when
// it has the cpu controller; the domain's cgroup is that child's parent.
std::vector<CgroupRef> domain_cgroups_from_process(std::vector<CgroupRef> refs);

// Reads <runtime_dir>/<domain>.pid.
Result<pid_t> read_qemu_pid(const std::string& runtime_dir, const std::string& domain);

struct QemuProcess {
  pid_t pid = 0;
  std::vector<pid_t> vcpu_threads;  // ordered by vCPU index
  std::vector<int> vcpu_indexes;    // the index of each entry of vcpu_threads
  std::vector<CgroupRef> cgroups;   // the domain's cgroups (see domain_cgroups_from_process)
  bool operator==(const QemuProcess&) const = default;
};

// Verifies that <proc_root>/<pid> is the QEMU of `domain` and lists its vCPU threads and
// cgroups. A thread that exits during the scan is left out.
Result<QemuProcess> inspect_qemu_process(const std::string& proc_root, pid_t pid,
                                         std::string_view domain);

}  // namespace augur::discovery
