#include "cgroup_dirs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <utility>

#include "augur/actuate/kernel_file.h"
#include "augur/host/cgroup_files.h"
#include "augur/host/open_file.h"

namespace augur::demo {

namespace {

bool make_dir(const std::string& dir, bool& made) {
  if (::mkdir(dir.c_str(), 0755) != 0) return false;
  made = true;
  return true;
}

void remove_dir(const std::string& dir, bool& made) {
  if (!made) return;
  // A killed process leaves its cgroup a moment after waitpid() returns.
  for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  made = false;
}

}  // namespace

std::string Hierarchy::describe() const {
  if (unified) return "cgroup2: " + root;
  return controller + ": " + root + (unified_root.empty() ? "" : ", cgroup2: " + unified_root);
}

Result<Hierarchy> prepare_hierarchy(const host::CgroupLayout& layout,
                                    const std::string& controller) {
  Hierarchy h;
  h.controller = controller;
  if (const host::CgroupMount* v1 = layout.v1_for(controller)) {
    h.root = v1->mount_point;
    if (layout.unified) h.unified_root = layout.unified->mount_point;
    if (::access(h.root.c_str(), W_OK) != 0 ||
        (!h.unified_root.empty() && ::access(h.unified_root.c_str(), W_OK) != 0)) {
      return Error{"needs a writable cgroup v1 " + controller + " controller" +
                       std::string(h.unified_root.empty() ? "" : " and a writable cgroup2 tree"),
                   h.describe()};
    }
    return h;
  }
  if (layout.mode != host::CgroupMode::kUnified || !layout.unified) {
    return Error{"needs the " + controller +
                     " controller, in cgroup v1 or v2; this host's cgroup layout is '" +
                     std::string(host::cgroup_mode_name(layout.mode)) + "'",
                 "/proc/self/mountinfo"};
  }
  h.unified = true;
  h.root = h.unified_root = layout.unified->mount_point;
  const std::string controllers = h.root + "/cgroup.controllers";
  const std::string subtree = h.root + "/cgroup.subtree_control";
  auto available = host::read_file(controllers);
  if (!available) return available.error();
  const host::ControllerList offered = host::parse_controller_list(*available);
  if (!offered.has(controller)) {
    return Error{"the cgroup2 tree has no " + controller +
                     " controller to give the demo's groups (it lists " + offered.shown() + ")",
                 controllers};
  }
  auto enabled = host::read_file(subtree);
  if (!enabled) return enabled.error();
  if (!host::parse_controller_list(*enabled).has(controller)) {
    if (auto s = actuate::write_kernel_file(subtree, "+" + controller); !s) {
      return Error{"cannot enable the " + controller +
                       " controller for the demo's groups: " + s.error().message(),
                   subtree};
    }
  }
  if (::access(h.root.c_str(), W_OK) != 0) return Error{"needs a writable cgroup2 tree", h.root};
  return h;
}

GroupDirs::GroupDirs(const Hierarchy& where, const std::string& name)
    : unified_(where.unified),
      dir_(where.root + "/" + name),
      unified_dir_(where.unified                ? dir_
                   : where.unified_root.empty() ? std::string()
                                                : where.unified_root + "/" + name) {}

GroupDirs::GroupDirs(GroupDirs&& other) noexcept {
  *this = std::move(other);
}

GroupDirs& GroupDirs::operator=(GroupDirs&& other) noexcept {
  if (this == &other) return *this;
  remove();
  unified_ = other.unified_;
  dir_ = std::move(other.dir_);
  unified_dir_ = std::move(other.unified_dir_);
  made_dir_ = std::exchange(other.made_dir_, false);
  made_unified_ = std::exchange(other.made_unified_, false);
  return *this;
}

GroupDirs::~GroupDirs() {
  remove();
}

Status GroupDirs::create() {
  if (!make_dir(dir_, made_dir_)) return errno_error("cannot create the cgroup", dir_);
  if (!unified_ && !unified_dir_.empty() && !make_dir(unified_dir_, made_unified_)) {
    return errno_error("cannot create the cgroup", unified_dir_);
  }
  return {};
}

Status GroupDirs::join(pid_t pid) const {
  const std::string self = std::to_string(pid);
  if (auto s = actuate::write_kernel_file(dir_ + "/cgroup.procs", self); !s) return s;
  if (!unified_ && !unified_dir_.empty()) {
    return actuate::write_kernel_file(unified_dir_ + "/cgroup.procs", self);
  }
  return {};
}

void GroupDirs::remove() {
  remove_dir(dir_, made_dir_);
  if (!unified_) remove_dir(unified_dir_, made_unified_);
}

}  // namespace augur::demo
