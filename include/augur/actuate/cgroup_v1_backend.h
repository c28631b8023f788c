#pragma once
// The cgroup v1 backend: one hierarchy per controller, found through the host's layout
// (host/cgroup_layout.h, from /proc/self/mountinfo), the instance's cgroup in each from
// Instance::cgroups (CgroupRef{controller, path}). Knobs:
//   CPU      cpu: cpu.cfs_quota_us = cores * cpu.cfs_period_us (the period in force kept;
//            NaN writes -1). With `cpu_shares`, cpu.shares = cores * 1024 too.
//   memory   memory: memory.limit_in_bytes (NaN writes -1); with `soft_limit_fraction`,
//            also memory.soft_limit_in_bytes = limit * fraction (reclaimed towards it first
//            when the host runs short). A limit below usage makes the kernel reclaim, and
//            the write fails with EBUSY when it cannot.
//   disk     blkio: blkio.throttle.read_bps_device and write_bps_device, "MAJ:MIN share"
//            per device of the instance, the value split evenly over the devices (NaN
//            writes "MAJ:MIN 0": no limit). Read back as in the v2 backend.
//   network  unsupported: traffic control does that (net_cls only tags packets).
// A resource is unsupported when the instance has no cgroup in that controller's hierarchy,
// the hierarchy is not mounted, or the knob file is absent (e.g. no CFS bandwidth control).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "augur/actuate/backend.h"
#include "augur/host/cgroup_layout.h"

namespace augur::actuate {

struct CgroupV1Options {
  // Also write cpu.shares from the CPU value (off: shares stay the operator's).
  bool cpu_shares = false;
  // Also write memory.soft_limit_in_bytes = limit * fraction (clamped to 0..1); nullopt
  // leaves the soft limit alone.
  std::optional<double> soft_limit_fraction;
  // Page size for the kernel's page-granular memory limits; 0: this host's.
  std::uint64_t page_bytes = 0;
};

class CgroupV1Backend final : public Backend {
 public:
  // `fs_root` prefixes every mount point ("" on the host, a fixture directory in tests).
  explicit CgroupV1Backend(host::CgroupLayout layout, CgroupV1Options options = {},
                           std::string fs_root = "");
  // Reads the layout from <proc_root>/self/mountinfo, mount points rebased under
  // `cgroup_root` (host::read_cgroup_layout).
  static Result<CgroupV1Backend> from_host(CgroupV1Options options = {},
                                           const std::string& proc_root = "/proc",
                                           std::string_view cgroup_root = host::kDefaultCgroupRoot);

  [[nodiscard]] std::string_view name() const override { return "cgroup-v1"; }
  [[nodiscard]] std::optional<std::string> unsupported(const Instance& instance,
                                                       Resource r) const override;
  Result<double> read(const Instance& instance, Resource r) override;
  Result<double> apply(const Instance& instance, Resource r, double value) override;

  // The instance's directory in the hierarchy of v1 `controller` ("cpu", "memory",
  // "blkio"); nullopt when it has none or the hierarchy is not mounted.
  [[nodiscard]] std::optional<std::string> directory(const Instance& instance,
                                                     std::string_view controller) const;

 private:
  Result<double> read_cpu(const std::string& dir);
  Result<double> read_memory(const std::string& dir);
  Result<double> read_disk(const std::string& dir, const Instance& instance);
  Result<double> apply_cpu(const std::string& dir, double cores);
  Result<double> apply_memory(const std::string& dir, double bytes);
  Result<double> apply_disk(const std::string& dir, const Instance& instance, double bytes_per_s);

  host::CgroupLayout layout_;
  CgroupV1Options options_;
  std::string fs_root_;
  std::uint64_t page_bytes_;
};

}  // namespace augur::actuate
