#pragma once
// Every unit conversion of the actuation stage, in one place: Augur's resource units (CPU
// cores, memory bytes, bytes/s; NaN = unlimited) <-> the knobs' units and the exact bytes the
// kernel files take. Format functions return the bytes to write, trailing newline included;
// parse functions return an Error naming the file on garbage.
//
//   CPU limit    cores <-> quota_usec / period_usec    v2 cpu.max "50000 100000", "max 100000"
//                                                       v1 cpu.cfs_quota_us "50000", "-1"
//   CPU weight   cores -> cpu.shares (cores * 1024)    v1 cpu.shares 2..262144 (default 1024)
//                shares <-> weight (runc/crun mapping)  v2 cpu.weight 1..10000 (default 100)
//   memory       bytes, rounded down to whole pages as the kernel's page counters do
//                                                       v2 memory.high/max "N", "max"
//                                                       v1 memory.limit_in_bytes "N", "-1"
//   disk         bytes/s per device                    v2 io.max "8:0 rbps=N wbps=N"
//                                                       v1 blkio.throttle.*_bps_device "8:0 N"
//                                                          ("8:0 0" removes the limit)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/host/cgroup_files.h"
#include "augur/util/result.h"

namespace augur::actuate::units {

// ---- "max" <-> NaN ---------------------------------------------------------------------------

// A knob value from Augur's unit: NaN -> nullopt ("max", unlimited); finite and >= 0 ->
// rounded to the nearest integer; negative, infinite or beyond 2^63 -> Error (`what` names it).
Result<std::optional<std::uint64_t>> to_knob_value(double value, std::string_view what);
// nullopt ("max") -> NaN; otherwise the number.
double from_knob_value(std::optional<std::uint64_t> value);

// ---- CPU quota -------------------------------------------------------------------------------

inline constexpr std::uint64_t kDefaultPeriodUsec = 100'000;
// The kernel refuses (EINVAL) a quota below 1 ms and a period outside 1 ms .. 1 s. Not
// enforced here: the write fails and the error says so.
inline constexpr std::uint64_t kMinQuotaUsec = 1'000;
inline constexpr std::uint64_t kMinPeriodUsec = 1'000;
inline constexpr std::uint64_t kMaxPeriodUsec = 1'000'000;

// quota_usec = round(cores * period_usec); NaN -> nullopt (unlimited). Error for negative,
// zero or infinite cores and for a zero period.
Result<std::optional<std::uint64_t>> cores_to_quota_usec(double cores, std::uint64_t period_usec);
// quota_usec / period_usec; nullopt -> NaN.
double quota_usec_to_cores(std::optional<std::uint64_t> quota_usec, std::uint64_t period_usec);

// cpu.max (v2): "50000 100000\n", "max 100000\n".
std::string format_cpu_max(std::optional<std::uint64_t> quota_usec, std::uint64_t period_usec);
Result<host::CpuMax> parse_cpu_max(std::string_view text, std::string_view where = "cpu.max");

// cpu.cfs_quota_us (v1): "50000\n", "-1\n" for unlimited.
std::string format_cfs_quota_usec(std::optional<std::uint64_t> quota_usec);
Result<std::optional<std::uint64_t>> parse_cfs_quota_usec(
    std::string_view text, std::string_view where = "cpu.cfs_quota_us");
// cpu.cfs_period_us (v1): a positive number.
Result<std::uint64_t> parse_cfs_period_usec(std::string_view text,
                                            std::string_view where = "cpu.cfs_period_us");

// ---- CPU weight ------------------------------------------------------------------------------

inline constexpr std::uint64_t kMinShares = 2;
inline constexpr std::uint64_t kMaxShares = 262'144;
inline constexpr std::uint64_t kDefaultShares = 1'024;
inline constexpr std::uint64_t kMinWeight = 1;
inline constexpr std::uint64_t kMaxWeight = 10'000;
inline constexpr std::uint64_t kDefaultWeight = 100;

// The OCI runtimes' (runc, crun) mapping of cgroup v1 shares onto v2 weight, linear over
// the two ranges: weight = 1 + ((shares - 2) * 9999) / 262142 (2 -> 1, 1024 -> 39,
// 262144 -> 10000). `shares` is clamped to 2..262144 first.
std::uint64_t shares_to_weight(std::uint64_t shares);
// The inverse: the smallest shares that map back to `weight` (clamped to 1..10000), so
// shares_to_weight(weight_to_shares(w)) == w for every weight. Shares -> weight -> shares
// is not the identity (the weight range is 26 times coarser).
std::uint64_t weight_to_shares(std::uint64_t weight);
// cores * 1024 (the kernel's nice-0 weight per CPU, as Kubernetes sets requests), rounded and
// clamped to 2..262144; NaN -> the default 1024.
std::uint64_t cores_to_shares(double cores);
// One number and a newline: cpu.weight, cpu.shares, cpu.cfs_period_us.
std::string format_u64(std::uint64_t value);
Result<std::uint64_t> parse_u64(std::string_view text, std::string_view where);

// ---- memory ----------------------------------------------------------------------------------

// The page size of this host (sysconf), for the kernel's page-granular counters.
std::uint64_t host_page_bytes();
// The kernel stores memory limits in pages and drops the remainder (page_counter_memparse):
// writing an aligned value makes the read-back equal to the write.
std::uint64_t round_down_to_page(std::uint64_t bytes, std::uint64_t page_bytes);
// bytes -> the page-aligned limit to write; NaN -> nullopt (unlimited). Error for negative
// or infinite bytes or a zero page size.
Result<std::optional<std::uint64_t>> memory_limit_bytes(double bytes, std::uint64_t page_bytes);

// v2 memory.high / memory.max: "536870912\n", "max\n".
std::string format_memory_v2(std::optional<std::uint64_t> bytes);
// NaN for "max".
Result<double> parse_memory_v2(std::string_view text, std::string_view where = "memory.high");
// v1 memory.limit_in_bytes / soft_limit_in_bytes: "536870912\n", "-1\n" for unlimited.
std::string format_memory_v1(std::optional<std::uint64_t> bytes);
// NaN for the kernel's "no limit" (PAGE_COUNTER_MAX pages).
Result<double> parse_memory_v1(std::string_view text,
                               std::string_view where = "memory.limit_in_bytes");

// ---- block devices ---------------------------------------------------------------------------

struct DeviceNumber {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  bool operator==(const DeviceNumber&) const = default;
};
// "8:0" -> {8, 0}; Error for anything else.
Result<DeviceNumber> parse_device_number(std::string_view text);
std::string format_device_number(DeviceNumber dev);  // "8:0"

// A disk bandwidth limit in bytes/s: NaN -> nullopt (unlimited). Error below 2 bytes/s: the
// kernel refuses 0 and 1 in io.max (EINVAL), and v1 takes 0 as "no limit".
Result<std::optional<std::uint64_t>> disk_limit_bytes_per_s(double bytes_per_s);

// One io.max line (v2): "8:0 rbps=1048576 wbps=max\n". The kernel changes only the keys
// given, so riops/wiops set by others stay. One line per write(2).
std::string format_io_max_line(DeviceNumber dev, std::optional<std::uint64_t> rbps,
                               std::optional<std::uint64_t> wbps);
Result<std::vector<host::IoLimit>> parse_io_max(std::string_view text,
                                                std::string_view where = "io.max");

// One blkio.throttle.{read,write}_bps_device line (v1): "8:0 1048576\n"; nullopt -> "8:0 0\n",
// which the kernel takes as "remove this device's limit". One line per write(2).
std::string format_blkio_line(DeviceNumber dev, std::optional<std::uint64_t> bytes_per_s);
Result<std::vector<host::DeviceValue>> parse_blkio_lines(
    std::string_view text, std::string_view where = "blkio.throttle.read_bps_device");

}  // namespace augur::actuate::units
