#include "augur/host/cgroup_layout.h"

#include <algorithm>
#include <array>

#include "augur/host/open_file.h"
#include "text.h"

namespace augur::host {

namespace {

// cgroup v1 mount options that are not controller names (kernel/cgroup/cgroup-v1.c
// cgroup1_parse_param), plus the generic rw/ro.
constexpr std::array<std::string_view, 9> kNonControllerOptions = {
    "rw",  "ro",   "noprefix",    "clone_children", "xattr", "cpuset_v2_mode",
    "all", "none", "favordynmods"};

// mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo octal.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const auto oct = s.substr(i + 1, 3);
      if (oct.size() == 3 &&
          std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto p = s.find(sep, start);
    out.push_back(
        s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

std::string_view cgroup_mode_name(CgroupMode m) {
  switch (m) {
    case CgroupMode::kNone: return "none";
    case CgroupMode::kV1: return "v1";
    case CgroupMode::kHybrid: return "hybrid";
    case CgroupMode::kUnified: return "unified";
  }
  return "none";
}

const CgroupMount* CgroupLayout::v1_for(std::string_view controller) const {
  for (const auto& m : v1) {
    if (std::find(m.controllers.begin(), m.controllers.end(), controller) != m.controllers.end()) {
      return &m;
    }
  }
  return nullptr;
}

std::optional<std::string> CgroupLayout::directory(const CgroupRef& ref,
                                                   std::string_view fs_root) const {
  const CgroupMount* mount =
      ref.controller.empty() ? (unified ? &*unified : nullptr) : v1_for(ref.controller);
  if (mount == nullptr) return std::nullopt;
  std::string_view path = ref.path;
  if (path.empty() || path.front() != '/') return std::nullopt;
  // Inside a cgroup namespace or under a bind mount, the mount shows `root`; paths are
  // given from the hierarchy's true root, so strip it.
  if (mount->root != "/") {
    if (path.substr(0, mount->root.size()) != mount->root) return std::nullopt;
    path.remove_prefix(mount->root.size());
    if (!path.empty() && path.front() != '/') return std::nullopt;
  }
  // ".." would leave the hierarchy: refuse rather than read elsewhere.
  if (path.find("/..") != std::string_view::npos) return std::nullopt;
  std::string dir(fs_root);
  dir += mount->mount_point;
  if (path != "/") dir += path;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

Result<CgroupLayout> parse_mountinfo(std::string_view text, std::string_view where) {
  CgroupLayout layout;
  const auto all = text::lines(text);
  if (all.empty()) return text::parse_error("empty mountinfo", where);
  for (const auto line : all) {
    const auto f = text::fields(line);
    // id parent maj:min root mount-point options [optional...] - fstype source super-options
    const auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
    if (f.size() < 6 || dash == f.end() || std::distance(dash, f.end()) < 4 ||
        std::distance(f.begin(), dash) < 6) {
      return text::parse_error("malformed mountinfo line " + text::quote(line), where);
    }
    const auto fstype = *(dash + 1);
    const auto super_options = *(dash + 3);
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMount m;
    m.root = unescape(f[3]);
    m.mount_point = unescape(f[4]);
    if (fstype == "cgroup2") {
      if (!layout.unified) layout.unified = std::move(m);
      continue;
    }
    for (const auto opt : split(super_options, ',')) {
      if (opt.empty()) continue;
      if (opt.substr(0, 5) == "name=") {
        m.name = std::string(opt.substr(5));
        continue;
      }
      if (opt.find('=') != std::string_view::npos) continue;  // release_agent=...
      if (std::find(kNonControllerOptions.begin(), kNonControllerOptions.end(), opt) !=
          kNonControllerOptions.end()) {
        continue;
      }
      m.controllers.emplace_back(opt);
    }
    std::sort(m.controllers.begin(), m.controllers.end());
    const bool duplicate = std::any_of(layout.v1.begin(), layout.v1.end(), [&](const auto& o) {
      return o.controllers == m.controllers && o.name == m.name;
    });
    if (!duplicate) layout.v1.push_back(std::move(m));
  }
  const bool v1_controllers = std::any_of(layout.v1.begin(), layout.v1.end(),
                                          [](const auto& m) { return !m.controllers.empty(); });
  if (v1_controllers) {
    layout.mode = layout.unified ? CgroupMode::kHybrid : CgroupMode::kV1;
  } else if (layout.unified) {
    // systemd's "legacy" leftovers (only name=systemd in v1) keep controllers in cgroup2.
    layout.mode = CgroupMode::kUnified;
  }
  return layout;
}

std::string rebase_mount_point(std::string_view mount_point, std::string_view cgroup_root) {
  while (cgroup_root.size() > 1 && cgroup_root.back() == '/') cgroup_root.remove_suffix(1);
  if (cgroup_root == kDefaultCgroupRoot || !mount_point.starts_with(kDefaultCgroupRoot)) {
    return std::string(mount_point);
  }
  const std::string_view rest = mount_point.substr(kDefaultCgroupRoot.size());
  if (!rest.empty() && rest.front() != '/') return std::string(mount_point);  // "/sys/fs/cgroupx"
  std::string out(cgroup_root == "/" ? std::string_view() : cgroup_root);
  out += rest;
  return out.empty() ? std::string("/") : out;
}

CgroupLayout rebase_layout(CgroupLayout layout, std::string_view cgroup_root) {
  if (layout.unified) {
    layout.unified->mount_point = rebase_mount_point(layout.unified->mount_point, cgroup_root);
  }
  for (auto& m : layout.v1) m.mount_point = rebase_mount_point(m.mount_point, cgroup_root);
  return layout;
}

Result<CgroupLayout> read_cgroup_layout(const std::string& proc_root,
                                        std::string_view cgroup_root) {
  const auto path = proc_root + "/self/mountinfo";
  auto content = read_file(path);
  if (!content) return std::move(content).error();
  auto layout = parse_mountinfo(*content, path);
  if (!layout) return layout;
  return rebase_layout(std::move(layout).value(), cgroup_root);
}

}  // namespace augur::host
