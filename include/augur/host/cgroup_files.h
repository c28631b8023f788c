#pragma once
// Pure parsers of cgroup controller files, v2 and v1 (text -> struct; an Error naming the
// file for empty, truncated or malformed text). Naming and scale differ between versions:
//   CPU time      v2 cpu.stat usage_usec (µs)         v1 cpuacct.usage (ns)
//   throttling    v2 cpu.stat throttled_usec (µs)     v1 cpu.stat throttled_time (ns)
//   CPU limit     v2 cpu.max "max 100000" / "50000 100000"
//                 v1 cpu.cfs_quota_us (-1 = unlimited) + cpu.cfs_period_us
//   weight        v2 cpu.weight 1..10000 (default 100) v1 cpu.shares 2..262144 (default 1024)
//   memory        v2 memory.current, memory.max ("max")
//                 v1 memory.usage_in_bytes, memory.limit_in_bytes (a huge number = unlimited)
//   memory.stat   v2 anon/file (hierarchical)          v1 rss/cache (this cgroup only) and
//                                                        total_rss/total_cache (hierarchical)
//   disk          v2 io.stat "8:0 rbytes= wbytes= rios= wios= dbytes= dios="
//                 v1 blkio.throttle.io_service_bytes / io_serviced "8:0 Read 123" + "Total N"
//   limits        v2 io.max "8:0 rbps=max wbps=1048576 riops=max wiops=max"
//                 v1 blkio.throttle.{read,write}_{bps,iops}_device "8:0 1048576"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "augur/util/result.h"

namespace augur::host {

// ---- shared shapes --------------------------------------------------------------------------

// A single unsigned number: memory.current, memory.usage_in_bytes, cpuacct.usage,
// cpu.cfs_period_us, cpu.shares, cpu.weight.
Result<std::uint64_t> parse_u64_file(std::string_view text, std::string_view where);

// "key value" lines (memory.stat of both versions, cpuacct.stat). Order kept.
struct FlatKeyed {
  std::vector<std::pair<std::string, std::uint64_t>> entries;
  [[nodiscard]] std::optional<std::uint64_t> get(std::string_view key) const;
};
Result<FlatKeyed> parse_flat_keyed(std::string_view text, std::string_view where);

// ---- cgroup v2 ------------------------------------------------------------------------------

// cgroup.controllers and cgroup.subtree_control: controller names separated by blanks (an
// empty file is an empty list, not an error).
struct ControllerList {
  std::vector<std::string> names;
  [[nodiscard]] bool has(std::string_view controller) const;
  // "cpu io memory", or "none" for an empty list: for messages.
  [[nodiscard]] std::string shown() const;
};
ControllerList parse_controller_list(std::string_view text);

struct CpuStatV2 {
  std::uint64_t usage_usec = 0;
  std::uint64_t user_usec = 0;
  std::uint64_t system_usec = 0;
  // Present only where the cpu controller is enabled for the cgroup (not on this test
  // machine's controller-less cgroup2 tree).
  std::optional<std::uint64_t> nr_periods;
  std::optional<std::uint64_t> nr_throttled;
  std::optional<std::uint64_t> throttled_usec;
};
Result<CpuStatV2> parse_cpu_stat_v2(std::string_view text, std::string_view where = "cpu.stat");

// memory.max, memory.high, memory.swap.max, pids.max: nullopt means "max" (unlimited).
Result<std::optional<std::uint64_t>> parse_max_or_u64(std::string_view text,
                                                      std::string_view where);

struct CpuMax {
  std::optional<std::uint64_t> quota_usec;  // nullopt: "max", unlimited
  std::uint64_t period_usec = 100000;
};
// cpu.max: "$MAX $PERIOD" ("max 100000", "20000 100000"); the period may be absent.
Result<CpuMax> parse_cpu_max(std::string_view text, std::string_view where = "cpu.max");

struct IoStatEntry {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint64_t rbytes = 0;
  std::uint64_t wbytes = 0;
  std::uint64_t rios = 0;
  std::uint64_t wios = 0;
  std::uint64_t dbytes = 0;  // discards (5.x+), 0 when absent
  std::uint64_t dios = 0;
};
// io.stat; an empty file is valid (no I/O yet) and gives no entries.
Result<std::vector<IoStatEntry>> parse_io_stat(std::string_view text,
                                               std::string_view where = "io.stat");

// A per-device throughput/IOPS limit; nullopt fields are unlimited.
struct IoLimit {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::optional<std::uint64_t> rbps;
  std::optional<std::uint64_t> wbps;
  std::optional<std::uint64_t> riops;
  std::optional<std::uint64_t> wiops;
};
// io.max; empty = no limits.
Result<std::vector<IoLimit>> parse_io_max(std::string_view text, std::string_view where = "io.max");

// ---- cgroup v1 ------------------------------------------------------------------------------

// cpu.stat of the v1 cpu controller (CFS bandwidth): times in nanoseconds.
struct CpuStatV1 {
  std::uint64_t nr_periods = 0;
  std::uint64_t nr_throttled = 0;
  std::uint64_t throttled_time_ns = 0;
};
Result<CpuStatV1> parse_cpu_stat_v1(std::string_view text, std::string_view where = "cpu.stat");

// cpu.cfs_quota_us: nullopt for -1 (unlimited).
Result<std::optional<std::uint64_t>> parse_cfs_quota_us(
    std::string_view text, std::string_view where = "cpu.cfs_quota_us");

// memory.limit_in_bytes (and memsw/soft limits): nullopt when unlimited. The kernel writes
// PAGE_COUNTER_MAX * PAGE_SIZE (9223372036854771712 with 4 KiB pages) for "no limit"; any
// value at or above 2^62 bytes (4 EiB) is treated as unlimited.
inline constexpr std::uint64_t kV1UnlimitedMemoryThreshold = std::uint64_t{1} << 62;
Result<std::optional<std::uint64_t>> parse_memory_limit_v1(
    std::string_view text, std::string_view where = "memory.limit_in_bytes");

struct BlkioEntry {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint64_t read = 0;
  std::uint64_t write = 0;
  std::uint64_t sync = 0;
  std::uint64_t async = 0;
  std::uint64_t discard = 0;
  std::uint64_t total = 0;
};
struct BlkioStat {
  std::vector<BlkioEntry> devices;
  std::optional<std::uint64_t> total;  // the trailing "Total N" line
};
// blkio.throttle.io_service_bytes and blkio.throttle.io_serviced (bytes or operations).
// An empty file, or one holding only "Total 0", is valid.
Result<BlkioStat> parse_blkio_throttle(std::string_view text, std::string_view where);

// blkio.throttle.read_bps_device and friends: "8:0 1048576" per limited device.
struct DeviceValue {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint64_t value = 0;
};
Result<std::vector<DeviceValue>> parse_blkio_device_limits(std::string_view text,
                                                           std::string_view where);

// ---- reading an instance's disk limit ---------------------------------------------------------

// One device's read and write limits in bytes/s (nullopt: unlimited in that direction).
using DeviceLimits = std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>>;

// An instance's disk limit from its devices' limits, read the same way by the sampler and the
// cgroup actuators (which set both directions of each device to an even share of the value):
// the sum over devices of the larger of the two; NaN when there is no device or any device is
// unlimited in either direction (the instance is not bounded).
double instance_disk_limit(const std::vector<DeviceLimits>& limits);

}  // namespace augur::host
