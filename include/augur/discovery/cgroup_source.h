#pragma once
// Instances from cgroup globs: each directory matching a configured pattern under the
// detected hierarchy root (the cgroup2 tree when mounted, else the v1 cpu hierarchy)
// becomes a container instance with all the threads in it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/discovery/source.h"
#include "augur/host/cgroup_layout.h"

namespace augur::discovery {

struct CgroupSourceOptions {
  std::vector<std::string> patterns;  // glob(7) relative to the hierarchy root, no ".."
  std::vector<config::CgroupTypeRule> type_rules;
  int per_cgroup_counting_threshold = 64;
  std::string proc_root = "/proc";  // mountinfo is read from <proc_root>/self
  // Stands for /sys/fs/cgroup (host::rebase_mount_point): a fixture tree in tests.
  std::string cgroup_root = "/sys/fs/cgroup";
};

CgroupSourceOptions cgroup_source_options(const config::CgroupSource& cgroups,
                                          const config::SamplingSection& sampling);

// Pure: the app type of the first rule whose glob matches `path` (relative to the
// hierarchy root, no leading '/'; '*' does not cross '/'), else "".
std::string app_type_for_cgroup(std::string_view path,
                                const std::vector<config::CgroupTypeRule>& rules);

// Pure: count per cgroup (one perf group per CPU, PERF_FLAG_PID_CGROUP) instead of per
// thread when the cgroup has more threads than the threshold.
bool count_per_cgroup(std::size_t thread_count, int per_cgroup_counting_threshold);

class CgroupSource final : public DiscoverySource {
 public:
  explicit CgroupSource(CgroupSourceOptions options);
  [[nodiscard]] std::string_view name() const override { return "cgroups"; }
  // id "cgroup:<path>" (path as /proc/<pid>/cgroup writes it), name the leaf, kind
  // container, cgroups: the hierarchy's ref plus every v1 controller hierarchy that has
  // the same path; main_pid the lowest pid in cgroup.procs; interfaces the host-side veth
  // ends of main_pid's network namespace (host::HostVethFinder), empty when it shares the
  // host's. A cgroup removed during the scan is left out.
  Result<std::vector<Instance>> discover() override;

 private:
  CgroupSourceOptions options_;
};

}  // namespace augur::discovery
