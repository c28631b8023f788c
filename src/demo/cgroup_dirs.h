#pragma once
// Where and how the demo makes its cgroups, on either cgroup version, so that `augurd --demo`
// runs on the hosts operators have:
//   v1 or hybrid: a group in the controller's v1 hierarchy, with the same-named cgroup2 group
//     when cgroup2 is mounted (a hybrid host: Augur's discovery globs there first, and
//     pressure is read there);
//   unified (cgroup v2 only, most current distributions): one cgroup2 group whose parent has
//     the controller enabled.
// The paths come from the host's cgroup layout, so a fixture tree stands in for a cgroup v2
// host in tests (tests/demo/demo_cgroup_test.cpp) and the same code reads both.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "augur/host/cgroup_layout.h"
#include "augur/util/result.h"

namespace augur::demo {

// Where the demo makes its groups for one controller.
struct Hierarchy {
  std::string controller;    // "cpu", "memory"
  bool unified = false;      // cgroup v2 only: the controller's v2 files
  std::string root;          // v1: the controller's hierarchy; unified: the cgroup2 mount point
  std::string unified_root;  // v1: the cgroup2 mount point, empty when none; unified: root
  [[nodiscard]] std::string describe() const;  // "cpu: /sys/fs/cgroup/cpu, cgroup2: ..."
};

// The hierarchy of `layout` for `controller`, or why this host cannot give the demo one: the
// controller in neither version, or not writable. On a cgroup v2 only host, enables the
// controller in the root's cgroup.subtree_control when it is not yet (what systemd does for
// its slices).
[[nodiscard]] Result<Hierarchy> prepare_hierarchy(const host::CgroupLayout& layout,
                                                  const std::string& controller);

// One group's directories: in the controller's hierarchy and, on a hybrid host, its cgroup2
// twin. Made by create(), removed by remove() or the destructor.
class GroupDirs {
 public:
  GroupDirs() = default;
  GroupDirs(const Hierarchy& where, const std::string& name);
  GroupDirs(GroupDirs&& other) noexcept;
  GroupDirs& operator=(GroupDirs&& other) noexcept;
  GroupDirs(const GroupDirs&) = delete;
  GroupDirs& operator=(const GroupDirs&) = delete;
  ~GroupDirs();

  // Makes the directories (an existing one is an error: another run's, not ours).
  [[nodiscard]] Status create();
  // Moves process `pid` into the group (each directory's cgroup.procs).
  [[nodiscard]] Status join(pid_t pid) const;
  // Removes the directories it made; their processes must have exited.
  void remove();

  [[nodiscard]] bool unified() const { return unified_; }
  // The controller's directory (on a cgroup v2 host, the group itself).
  [[nodiscard]] const std::string& dir() const { return dir_; }
  // The cgroup2 group, where pressure is read; empty on a v1 host without cgroup2.
  [[nodiscard]] const std::string& unified_dir() const { return unified_dir_; }

 private:
  bool unified_ = false;
  std::string dir_;
  std::string unified_dir_;
  bool made_dir_ = false;
  bool made_unified_ = false;
};

// Forks a workload: the child dies with the demo (PR_SET_PDEATHSIG), ignores the terminal's
// SIGINT and SIGHUP (the demo stops its children itself), joins `group` (anything with
// join(pid)) and runs `body`, which does not return. The child's pid, or -1 (errno set).
template <typename Group, typename Body>
pid_t fork_into(const Group& group, Body&& body) {
  std::fflush(stdout);  // or the child would print the parent's buffered lines again
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  if (!group.join(::getpid())) ::_exit(1);
  body();
  ::_exit(1);
}

}  // namespace augur::demo
