#include "augur/discovery/cgroup_source.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <utility>

#include "augur/discovery/pid_list.h"
#include "augur/host/net_links.h"
#include "augur/host/open_file.h"

namespace augur::discovery {
namespace {

// v1 controllers whose hierarchy also gets a ref when it has the same path (usage and
// actuation read them).
constexpr std::string_view kV1Controllers[] = {"cpu",   "cpuacct", "memory",
                                               "blkio", "cpuset",  "pids"};

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string join_cgroup_path(std::string_view mount_root, std::string_view relative) {
  std::string path(mount_root);
  if (path.empty() || path.back() != '/') path.push_back('/');
  path.append(relative);
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

CgroupSourceOptions cgroup_source_options(const config::CgroupSource& cgroups,
                                          const config::SamplingSection& sampling) {
  CgroupSourceOptions out;
  out.patterns = cgroups.patterns;
  out.type_rules = cgroups.type_rules;
  out.per_cgroup_counting_threshold = cgroups.per_cgroup_counting_threshold;
  out.proc_root = sampling.proc_root;
  out.cgroup_root = sampling.cgroup_root;
  return out;
}

std::string app_type_for_cgroup(std::string_view path,
                                const std::vector<config::CgroupTypeRule>& rules) {
  while (path.starts_with('/')) path.remove_prefix(1);
  const std::string p(path);
  for (const auto& rule : rules) {
    std::string_view pattern = rule.pattern;
    while (pattern.starts_with('/')) pattern.remove_prefix(1);
    if (::fnmatch(std::string(pattern).c_str(), p.c_str(), FNM_PATHNAME) == 0) return rule.app_type;
  }
  return {};
}

bool count_per_cgroup(std::size_t thread_count, int per_cgroup_counting_threshold) {
  return per_cgroup_counting_threshold >= 0 &&
         thread_count > static_cast<std::size_t>(per_cgroup_counting_threshold);
}

CgroupSource::CgroupSource(CgroupSourceOptions options) : options_(std::move(options)) {}

Result<std::vector<Instance>> CgroupSource::discover() {
  // Mount points come rebased under cgroup_root: the same rule the sampler and actuators use.
  auto layout = host::read_cgroup_layout(options_.proc_root, options_.cgroup_root);
  if (!layout) return std::move(layout).error();
  const host::CgroupMount* mount = layout->unified ? &*layout->unified : layout->v1_for("cpu");
  if (mount == nullptr) {
    return Error{"neither a cgroup2 nor a v1 cpu hierarchy is mounted",
                 options_.proc_root + "/self/mountinfo"};
  }
  const bool unified = layout->unified.has_value();
  const std::string controller = unified ? "" : "cpu";
  const std::string& hierarchy_dir = mount->mount_point;
  host::HostVethFinder veths(options_.proc_root);

  std::vector<std::string> matched;
  for (const auto& pattern : options_.patterns) {
    std::string_view rel = pattern;
    while (rel.starts_with('/')) rel.remove_prefix(1);
    if (rel.find("..") != std::string_view::npos) {
      return Error{"cgroup pattern may not contain '..'", pattern};
    }
    const std::string full = hierarchy_dir + "/" + std::string(rel);
    glob_t g{};
    const int rc = ::glob(full.c_str(), GLOB_ONLYDIR, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) matched.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) return Error{"glob failed", full};
  }
  std::sort(matched.begin(), matched.end());
  matched.erase(std::unique(matched.begin(), matched.end()), matched.end());

  std::vector<Instance> out;
  for (const auto& dir : matched) {
    if (!is_directory(dir)) continue;  // GLOB_ONLYDIR is only a hint
    const std::string rel = dir.substr(hierarchy_dir.size() + 1);
    auto text = host::read_file(dir + (unified ? "/cgroup.threads" : "/tasks"));
    if (!text) {
      if (host::is_gone(text.error())) continue;  // removed during the scan
      return std::move(text).error();
    }
    auto threads = parse_pid_list(*text, dir + (unified ? "/cgroup.threads" : "/tasks"));
    if (!threads) return std::move(threads).error();

    Instance inst;
    inst.kind = InstanceKind::kContainer;
    const std::string path = join_cgroup_path(mount->root, rel);
    inst.id = "cgroup:" + path;
    inst.name = path.substr(path.rfind('/') + 1);
    inst.app_type = app_type_for_cgroup(rel, options_.type_rules);
    inst.thread_ids = std::move(*threads);
    std::sort(inst.thread_ids.begin(), inst.thread_ids.end());
    inst.cgroups.push_back(CgroupRef{controller, path});
    for (std::string_view ctrl : kV1Controllers) {
      if (ctrl == controller) continue;
      const host::CgroupMount* v1 = layout->v1_for(ctrl);
      if (v1 == nullptr) continue;
      CgroupRef ref{std::string(ctrl), path};
      if (const auto d = layout->directory(ref); d && is_directory(*d)) {
        inst.cgroups.push_back(std::move(ref));
      }
    }
    if (auto procs = host::read_file(dir + "/cgroup.procs")) {
      if (auto pids = parse_pid_list(*procs, dir + "/cgroup.procs"); pids && !pids->empty()) {
        inst.main_pid = *std::min_element(pids->begin(), pids->end());
      }
    }
    // The host-side ends of the container's veths, for the tc actuator. Not finding them (no
    // own namespace, a process gone, netlink refused) leaves the list empty: the network
    // counters come from the container's own /proc/<pid>/net/dev either way.
    if (inst.main_pid > 0) {
      if (auto found = veths.find(inst.main_pid)) inst.interfaces = std::move(*found);
    }
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace augur::discovery
