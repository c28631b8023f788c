#pragma once
// Where the cgroup hierarchies are mounted, detected from /proc/self/mountinfo.
//   pure v2 (unified): one cgroup2 mount holds every controller (systemd default since v247);
//   hybrid: v1 controller hierarchies plus a cgroup2 mount (systemd's
//     /sys/fs/cgroup/unified, or this test machine's), controllers live in v1;
//   v1: only v1 hierarchies (possibly co-mounted: /sys/fs/cgroup/cpu,cpuacct).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/instance.h"
#include "augur/util/result.h"

namespace augur::host {

enum class CgroupMode { kNone, kV1, kHybrid, kUnified };
std::string_view cgroup_mode_name(CgroupMode m);  // "none", "v1", "hybrid", "unified"

// One mounted hierarchy. `root` is the mountinfo root field: the cgroup that appears at the
// mount point ("/" on a host; a sub-path inside a cgroup namespace or a bind mount).
struct CgroupMount {
  std::string mount_point;  // "/sys/fs/cgroup/cpu,cpuacct"
  std::string root = "/";
  std::vector<std::string> controllers;  // v1 only: {"cpu", "cpuacct"}; empty for cgroup2
  std::string name;                      // v1 named hierarchy ("systemd" for name=systemd)
  bool operator==(const CgroupMount&) const = default;
};

struct CgroupLayout {
  CgroupMode mode = CgroupMode::kNone;
  std::optional<CgroupMount> unified;  // the cgroup2 mount, if any
  std::vector<CgroupMount> v1;         // v1 hierarchies, controllers and named ones

  // The v1 hierarchy carrying `controller`, or nullptr.
  [[nodiscard]] const CgroupMount* v1_for(std::string_view controller) const;
  // The directory of a cgroup as /proc/<pid>/cgroup names it: mount point + path (with the
  // mount's root stripped), prefixed with `fs_root` ("" on the real host, a fixture
  // directory in tests). nullopt when the ref's hierarchy is not mounted or the path lies
  // outside the mount's root.
  [[nodiscard]] std::optional<std::string> directory(const CgroupRef& ref,
                                                     std::string_view fs_root = "") const;
  bool operator==(const CgroupLayout&) const = default;
};

// Pure parser of mountinfo text (proc(5)). Mount points are unescaped (\040 -> ' ').
// The first mount of a hierarchy wins (later bind mounts of it are ignored).
// `where` names the file in errors.
Result<CgroupLayout> parse_mountinfo(std::string_view text,
                                     std::string_view where = "/proc/self/mountinfo");

// Where the cgroup filesystems are read: the kernel mounts them at or under this path.
inline constexpr std::string_view kDefaultCgroupRoot = "/sys/fs/cgroup";

// The one rule for `sampling.cgroup_root`: it stands for /sys/fs/cgroup. A mount point at or
// under /sys/fs/cgroup is read under `cgroup_root` instead ("/sys/fs/cgroup/cpu" with root
// "/t/sys/fs/cgroup" -> "/t/sys/fs/cgroup/cpu"; with root "/t/cg" -> "/t/cg/cpu"); a mount
// point elsewhere ("/cgroup/cpu" on old distributions) is read where it is. Trailing '/' on
// the root is ignored; the default root changes nothing.
std::string rebase_mount_point(std::string_view mount_point, std::string_view cgroup_root);

// The layout with every mount point rebased (rebase_mount_point), so directory() with no
// fs_root gives the path to read. Roots (the mountinfo root field) are unchanged.
CgroupLayout rebase_layout(CgroupLayout layout, std::string_view cgroup_root);

// Reads <proc_root>/self/mountinfo; mount points rebased under `cgroup_root`. Every reader
// of cgroup files (discovery, the usage reader, per-cgroup perf counting, actuators) should
// take its layout from here and call directory() without fs_root.
Result<CgroupLayout> read_cgroup_layout(const std::string& proc_root = "/proc",
                                        std::string_view cgroup_root = kDefaultCgroupRoot);

}  // namespace augur::host
