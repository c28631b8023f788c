#pragma once
// Pure parsers of procfs files (text -> struct; an Error naming the file for empty,
// truncated or malformed text): host totals and per-thread scheduler statistics.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::host {

// The aggregate "cpu" line of /proc/stat, in USER_HZ ticks (proc(5)). guest and guest_nice
// are already included in user and nice, so they are not added to total().
struct CpuTimes {
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                steal = 0, guest = 0, guest_nice = 0;
  [[nodiscard]] std::uint64_t total() const {
    return user + nice + system + idle + iowait + irq + softirq + steal;
  }
  // Time the CPUs were not available to run work: idle and waiting for I/O.
  [[nodiscard]] std::uint64_t idle_all() const { return idle + iowait; }
};
Result<CpuTimes> parse_proc_stat_cpu(std::string_view text, std::string_view where = "/proc/stat");

// /proc/meminfo, converted from kB to bytes.
struct MemInfo {
  std::uint64_t total_bytes = 0;
  std::uint64_t free_bytes = 0;
  std::optional<std::uint64_t> available_bytes;  // MemAvailable, since Linux 3.14
  std::uint64_t buffers_bytes = 0;
  std::uint64_t cached_bytes = 0;
};
Result<MemInfo> parse_meminfo(std::string_view text, std::string_view where = "/proc/meminfo");

// /proc/<pid>/task/<tid>/schedstat: "run_ns wait_ns timeslices" (time on CPU, time waiting on
// a run queue, number of timeslices run).
struct SchedStat {
  std::uint64_t run_ns = 0;
  std::uint64_t wait_ns = 0;
  std::uint64_t timeslices = 0;
};
Result<SchedStat> parse_schedstat(std::string_view text, std::string_view where = "schedstat");

// One interface of /proc/net/dev or /proc/<pid>/net/dev.
struct NetDevStats {
  std::string name;
  std::uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0, rx_dropped = 0;
  std::uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0, tx_dropped = 0;
};
// The two header lines are checked and skipped.
Result<std::vector<NetDevStats>> parse_net_dev(std::string_view text,
                                               std::string_view where = "net/dev");

// One line of /proc/diskstats (Documentation/admin-guide/iostats.rst). Sectors are always
// 512 bytes here, whatever the device's sector size.
struct DiskStats {
  std::uint32_t major = 0, minor = 0;
  std::string name;
  std::uint64_t reads_completed = 0, sectors_read = 0;
  std::uint64_t writes_completed = 0, sectors_written = 0;
  std::uint64_t io_ticks_ms = 0;  // time the device had I/O in flight
};
inline constexpr std::uint64_t kDiskstatsSectorBytes = 512;
Result<std::vector<DiskStats>> parse_diskstats(std::string_view text,
                                               std::string_view where = "/proc/diskstats");

// "0-1,4,6-7" (sysfs cpu lists: /sys/devices/system/cpu/online) -> number of CPUs.
Result<unsigned> parse_cpu_list_count(std::string_view text, std::string_view where);

}  // namespace augur::host
