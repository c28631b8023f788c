#pragma once
// Host totals and capacity, for the predictor's (1 - host utilisation) per resource.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "augur/core/resource.h"
#include "augur/host/proc_files.h"
#include "augur/sampling/usage/field.h"
#include "augur/sampling/usage/usage_raw.h"
#include "augur/util/clock.h"

namespace augur::sampling {

struct HostUsageRaw {
  Field<host::CpuTimes> cpu;    // /proc/stat aggregate line
  Field<host::MemInfo> memory;  // /proc/meminfo
  PressureTotals cpu_pressure;  // /proc/pressure/*
  PressureTotals memory_pressure;
  PressureTotals io_pressure;
  // /proc/diskstats over whole physical disks (partitions, loop, dm and md left out so
  // nothing counts twice)
  Field<std::uint64_t> disk_read_bytes;
  Field<std::uint64_t> disk_write_bytes;
  Field<std::uint64_t> disk_read_ops;
  Field<std::uint64_t> disk_write_ops;
  // /proc/net/dev over physical NICs (or every interface but lo when none is physical)
  Field<std::uint64_t> net_rx_bytes;
  Field<std::uint64_t> net_tx_bytes;
};

// What the host can give, per resource (ResourceVector units: cores, bytes, bytes/s).
struct HostCapacity {
  ResourceVector capacity;         // NaN where unknown
  std::vector<std::string> notes;  // where each value came from or why it is unknown
};

// Operator-provided capacities for what the kernel cannot tell (NaN: not configured).
struct HostCapacityConfig {
  double disk_bytes_per_s = kUnknown;
  double net_bytes_per_s = kUnknown;
};

// CPUs from <sys_root>/devices/system/cpu/online (sched_getaffinity when unreadable),
// memory from MemTotal, network from the sum of <sys_root>/class/net/<if>/speed of physical
// NICs (Mb/s; -1 or unreadable = unknown, then the config value), disk from the config.
HostCapacity read_host_capacity(const std::string& proc_root, const std::string& sys_root,
                                const HostCapacityConfig& config);

// Reads host totals; files stay open between reads (one pread each per tick). Which disks
// and NICs are physical is decided once, at construction, from <sys_root>/block/*/device and
// <sys_root>/class/net/*/device.
class HostUsageReader {
 public:
  explicit HostUsageReader(std::string proc_root = "/proc", const std::string& sys_root = "/sys");
  ~HostUsageReader();
  HostUsageReader(HostUsageReader&&) noexcept;
  HostUsageReader& operator=(HostUsageReader&&) noexcept;

  HostUsageRaw read();

  [[nodiscard]] const std::vector<std::string>& disks() const { return disks_; }
  [[nodiscard]] const std::vector<std::string>& nics() const { return nics_; }

 private:
  struct Files;
  std::string proc_root_;
  std::vector<std::string> disks_;  // whole physical disks ("vda")
  std::vector<std::string> nics_;   // interfaces counted ("eth0")
  std::unique_ptr<Files> files_;
};

// Utilisation 0..1 per resource over the interval: CPU = 1 - (idle + iowait) / total ticks;
// memory = 1 - MemAvailable / MemTotal (gauge, from `cur`); disk = (read + write bytes/s) /
// capacity; network = max(rx, tx bytes/s) / capacity (NICs are full duplex). NaN where a
// reading or the capacity is unknown, or a counter went backwards, or elapsed <= 0.
ResourceVector derive_host_utilisation(const HostUsageRaw& prev, const HostUsageRaw& cur,
                                       Nanos elapsed, const HostCapacity& capacity);

}  // namespace augur::sampling
