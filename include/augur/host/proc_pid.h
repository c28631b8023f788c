#pragma once
// Per-process procfs reads used by discovery and sampling: /proc/<pid>/cgroup, the thread
// list (/proc/<pid>/task), comm, and the network namespace identity. A process or thread
// that has exited gives an Error for which is_gone() is true (ESRCH/ENOENT): callers treat
// it as normal churn.
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "augur/core/instance.h"
#include "augur/util/result.h"

namespace augur::host {

// Pure parser of /proc/<pid>/cgroup (cgroups(7)):
//   v1 "4:cpu,cpuacct:/machine/vm"  -> one CgroupRef per controller ({"cpu",..},{"cpuacct",..})
//   v2 "0::/user.slice/x.scope"      -> {"", path}
// Named v1 hierarchies ("1:name=systemd:/...") and lines without controllers other than the
// v2 one are skipped. The path may contain ':' (only the first two separate fields).
Result<std::vector<CgroupRef>> parse_proc_cgroup(std::string_view text,
                                                 std::string_view where = "cgroup");

// Reads and parses <proc_root>/<pid>/cgroup.
Result<std::vector<CgroupRef>> read_proc_cgroup(const std::string& proc_root, pid_t pid);

// Thread ids of a process from <proc_root>/<pid>/task, ascending.
Result<std::vector<pid_t>> list_threads(const std::string& proc_root, pid_t pid);

// <proc_root>/<pid>/task/<tid>/comm without the trailing newline ("CPU 0/TCG").
Result<std::string> read_comm(const std::string& proc_root, pid_t pid, pid_t tid);

// The network namespace of a process as the link text of <proc_root>/<pid>/ns/net
// ("net:[4026531992]"). `pid` 0 reads <proc_root>/self.
Result<std::string> read_net_namespace(const std::string& proc_root, pid_t pid);

}  // namespace augur::host
