#pragma once
// The cgroup v2 (unified hierarchy) backend. Knobs, in the instance's unified cgroup
// (Instance::cgroups entry with an empty controller):
//   CPU      cpu.max "quota period": quota = cores * period, the period in force kept;
//            NaN writes "max <period>". With `cpu_weight`, cpu.weight follows the cores too
//            (shares = cores * 1024 mapped onto weight, units.h).
//   memory   memory.high (throttle and reclaim above it, no OOM kill); with
//            `memory_max_factor`, also memory.max = high * factor (the hard OOM line),
//            written after memory.high so a shrink reclaims gradually first.
//   disk     io.max per device of the instance (Instance::disks as "MAJ:MIN"): the value
//            split evenly over the devices, rbps and wbps both set to the share, one line
//            per device; riops/wiops left alone. Read back: the sum over devices of the
//            larger direction, NaN when any is unlimited.
//   network  unsupported: traffic control does that (the tc backend).
// A resource is unsupported when its controller file is absent; the reason names the
// controllers the cgroup has (none on a hybrid host whose controllers live in v1).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "augur/actuate/backend.h"
#include "augur/host/cgroup_layout.h"

namespace augur::actuate {

struct CgroupV2Options {
  // Also write cpu.weight from the CPU value (off: weights stay the operator's).
  bool cpu_weight = false;
  // Also write memory.max = memory.high * factor (values below 1 count as 1); nullopt
  // leaves memory.max alone.
  std::optional<double> memory_max_factor;
  // Page size for the kernel's page-granular memory limits; 0: this host's.
  std::uint64_t page_bytes = 0;
};

class CgroupV2Backend final : public Backend {
 public:
  // `mount_point`: where the unified hierarchy is mounted ("/sys/fs/cgroup", or a fixture
  // directory); `mount_root`: the mountinfo root of that mount ("/" on a host).
  explicit CgroupV2Backend(std::string mount_point, CgroupV2Options options = {},
                           std::string mount_root = "/");
  // From a detected layout; Error when the host has no cgroup2 mount.
  static Result<CgroupV2Backend> from_layout(const host::CgroupLayout& layout,
                                             CgroupV2Options options = {});

  [[nodiscard]] std::string_view name() const override { return "cgroup-v2"; }
  [[nodiscard]] std::optional<std::string> unsupported(const Instance& instance,
                                                       Resource r) const override;
  Result<double> read(const Instance& instance, Resource r) override;
  Result<double> apply(const Instance& instance, Resource r, double value) override;

  // The instance's unified cgroup directory, nullopt when it has none.
  [[nodiscard]] std::optional<std::string> directory(const Instance& instance) const;

 private:
  Result<double> read_cpu(const std::string& dir);
  Result<double> read_memory(const std::string& dir);
  Result<double> read_disk(const std::string& dir, const Instance& instance);
  Result<double> apply_cpu(const std::string& dir, double cores);
  Result<double> apply_memory(const std::string& dir, double bytes);
  Result<double> apply_disk(const std::string& dir, const Instance& instance, double bytes_per_s);

  host::CgroupLayout layout_;
  CgroupV2Options options_;
  std::uint64_t page_bytes_;
};

}  // namespace augur::actuate
