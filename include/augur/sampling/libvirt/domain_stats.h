#pragma once
// libvirt bulk domain stats (virConnectGetAllDomainStats) as plain cumulative readings, and
// the rates derived from two of them. Both steps are pure so recordings and tests feed them
// without a daemon.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "augur/core/sample.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::sampling {

// One typed parameter of a stats record ("cpu.time", ullong 1234). Signed libvirt types
// (int, llong) become int64, unsigned ones (uint, ullong) uint64.
using StatValue = std::variant<std::int64_t, std::uint64_t, double, bool, std::string>;
struct StatParam {
  std::string name;
  StatValue value;
};

struct VcpuStats {
  std::optional<std::uint64_t> time_ns;  // vcpu.N.time: CPU time of the vCPU thread
  std::optional<std::uint64_t> wait_ns;  // vcpu.N.wait: wanted to run, host ran others
  std::optional<std::uint64_t>
      delay_ns;  // vcpu.N.delay: run-queue wait (schedstat), libvirt >= 7.9
};

struct BlockStats {
  std::string name;  // block.N.name: target ("vda")
  std::optional<std::uint64_t> rd_bytes, wr_bytes, rd_reqs, wr_reqs;
};

struct NetStats {
  std::string name;  // net.N.name: host-side interface ("vnet0")
  std::optional<std::uint64_t> rx_bytes, tx_bytes, rx_pkts, tx_pkts;
};

// Cumulative counters and gauges of one domain at one moment. Absent stats stay nullopt.
struct DomainStatsRaw {
  std::optional<std::int64_t> state;  // virDomainState
  std::optional<std::uint64_t> cpu_time_ns;
  // balloon.*, KiB as libvirt reports them; available/unused need guest balloon stats.
  std::optional<std::uint64_t> balloon_current_kib, balloon_maximum_kib, balloon_available_kib,
      balloon_unused_kib, balloon_rss_kib;
  std::optional<std::uint64_t> vcpu_current, vcpu_maximum;
  std::vector<VcpuStats> vcpus;  // index = vCPU number
  std::vector<BlockStats> blocks;
  std::vector<NetStats> nets;
};

// Indexes above this are rejected: a guest cannot have them, a corrupt record can.
inline constexpr std::uint64_t kMaxStatIndex = 4096;

// Pure: unknown names are ignored; a known name with the wrong type, or an index above
// kMaxStatIndex, is an Error naming the parameter.
Result<DomainStatsRaw> parse_domain_stats(const std::vector<StatParam>& params);

// Pure: the recording format of tests/fixtures/libvirt ("name type value" per line; type one
// of int uint llong ullong double boolean string; a string value is the rest of the line;
// '#' starts a comment line).
Result<std::vector<StatParam>> parse_stat_lines(std::string_view text, std::string_view where);

// Pure: fills `out` with rates over `elapsed` from two readings of the same domain:
// kCpuUsageCores (cpu.time), vcpu_utilisation (per vCPU, NaN where unknown),
// kRunqueueWaitShare (vcpu delay, else wait, summed), kMemoryBytes (balloon.rss: the
// host memory the VM uses), kGuestMemoryUsedBytes (available - unused), kDisk*, kNet*,
// and the memory allocation in force (balloon.current).
// A counter that went backwards (domain restarted, device replaced) or is absent makes its
// metric missing for this tick with the reason; devices are matched by name, not index.
void derive_domain_rates(const DomainStatsRaw& prev, const DomainStatsRaw& cur, Nanos elapsed,
                         Sample& out);

}  // namespace augur::sampling
