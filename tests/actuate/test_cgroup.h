#pragma once
// Test support for the actuation tests: a real cgroup v1 test cgroup (created with a unique
// name in each hierarchy asked for, emptied and removed on destruction even when the test
// failed), the v2 fixture tree in a TempTree, and small file helpers.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../host/temp_tree.h"
#include "augur/config/config.h"
#include "augur/core/instance.h"

namespace augur::testing {

// Bounds wide enough for every value the actuator tests write unless a test narrows them.
inline config::PlanSection wide_bounds() {
  config::PlanSection b;
  b.cpu.min = 0.001;
  b.cpu.max = 0;
  b.memory.min = 4096;
  b.memory.max = 0;
  b.disk.min = 2;
  b.disk.max = 0;
  b.network.min = 2;
  b.network.max = 0;
  return b;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline constexpr const char* kV1Root = "/sys/fs/cgroup";

// A v1 cgroup named augur-actuate-<pid>-<n> in each of `controllers` ("cpu", "memory",
// "blkio"). `error()` is non-empty when it could not be made (the test skips with it).
class V1TestCgroup {
 public:
  explicit V1TestCgroup(std::vector<std::string> controllers) {
    static std::atomic<int> counter{0};
    name_ = "augur-actuate-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    for (auto& c : controllers) {
      const std::string root = std::string(kV1Root) + "/" + c;
      if (::access((root + "/tasks").c_str(), W_OK) != 0) {
        error_ = root + " is not a writable cgroup v1 hierarchy";
        return;
      }
      const std::string dir = root + "/" + name_;
      if (::mkdir(dir.c_str(), 0755) != 0) {
        error_ = "mkdir " + dir + " failed: errno " + std::to_string(errno);
        return;
      }
      made_.emplace(c, dir);
    }
  }
  V1TestCgroup(const V1TestCgroup&) = delete;
  V1TestCgroup& operator=(const V1TestCgroup&) = delete;
  ~V1TestCgroup() {
    for (const auto& [controller, dir] : made_) {
      // Move anything left (a test that failed before joining its thread) back to the root.
      std::istringstream tasks(slurp(dir + "/tasks"));
      for (std::string tid; tasks >> tid;)
        spit(std::string(kV1Root) + "/" + controller + "/tasks", tid);
      // A thread that just exited may hold the cgroup a moment longer.
      for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::string path() const { return "/" + name_; }
  [[nodiscard]] std::string dir(const std::string& controller) const {
    return made_.at(controller);
  }
  // CgroupRefs as discovery writes them, one per hierarchy made.
  [[nodiscard]] std::vector<CgroupRef> refs() const {
    std::vector<CgroupRef> out;
    for (const auto& [controller, dir] : made_) out.push_back(CgroupRef{controller, path()});
    return out;
  }

 private:
  std::string name_;
  std::string error_;
  std::map<std::string, std::string> made_;
};

// The MAJ:MIN of a real block device of this machine (a non-empty disk, loop devices
// without a backing file excluded), or nullopt.
inline std::optional<std::string> real_block_device() {
  DIR* d = ::opendir("/sys/block");
  if (d == nullptr) return std::nullopt;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  // Prefer real disks over loop and zram devices.
  std::stable_partition(names.begin(), names.end(), [](const std::string& n) {
    return n.rfind("loop", 0) != 0 && n.rfind("zram", 0) != 0 && n.rfind("ram", 0) != 0;
  });
  for (const auto& n : names) {
    const std::string size = slurp("/sys/block/" + n + "/size");
    if (size.empty() || std::stoull(size) == 0) continue;
    std::string dev = slurp("/sys/block/" + n + "/dev");
    while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
    if (!dev.empty()) return dev;
  }
  return std::nullopt;
}

// The pure-cgroup2 fixture's /sys/fs/cgroup copied into a TempTree, plus memory.high and
// memory.max files the fixture lacks, so every v2 knob can be written and compared byte by
// byte. VM: the machine.slice scope (cpu.max 2 cores, io.max on 8:0); container: the
// docker scope (cpu.max "max", no io controller).
class V2Fixture {
 public:
  V2Fixture() {
    tree_.copy_from(fixture("cgroup/cgroup2-systemd-machine-slice/sys/fs/cgroup"), "cgroup");
    tree_.make_file("cgroup/" + vm_rel() + "/memory.high", "max\n");
    tree_.make_file("cgroup/" + container_rel() + "/memory.high", "max\n");
  }
  [[nodiscard]] std::string mount_point() const { return tree_.path("cgroup"); }
  [[nodiscard]] static std::string vm_rel() {
    return "machine.slice/machine-qemu\\x2d1\\x2dvm.scope";
  }
  [[nodiscard]] static std::string container_rel() { return "system.slice/docker-3f2a9c.scope"; }
  [[nodiscard]] std::string vm_file(const std::string& f) const {
    return mount_point() + "/" + vm_rel() + "/" + f;
  }
  [[nodiscard]] std::string container_file(const std::string& f) const {
    return mount_point() + "/" + container_rel() + "/" + f;
  }
  [[nodiscard]] const TempTree& tree() const { return tree_; }

  // A cgroup-managed instance (kind container: the chooser then goes straight to cgroups).
  [[nodiscard]] static Instance vm_scope() {
    Instance i;
    i.id = "cgroup:/" + vm_rel();
    i.name = "vm";
    i.kind = InstanceKind::kContainer;
    i.cgroups = {CgroupRef{"", "/" + vm_rel()}};
    i.disks = {"8:0"};
    return i;
  }
  [[nodiscard]] static Instance container() {
    Instance i;
    i.id = "cgroup:/" + container_rel();
    i.name = "docker-3f2a9c";
    i.kind = InstanceKind::kContainer;
    i.cgroups = {CgroupRef{"", "/" + container_rel()}};
    i.disks = {"8:0"};
    return i;
  }

  // Every file of the tree and its bytes, to prove nothing was written.
  [[nodiscard]] std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(mount_point())) {
      if (e.is_regular_file()) out.emplace(e.path().string(), slurp(e.path().string()));
    }
    return out;
  }

 private:
  TempTree tree_;
};

}  // namespace augur::testing
