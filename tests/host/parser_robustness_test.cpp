// Every parser of outside input on every prefix of a valid file (a truncated read) and on
// byte garbage: an Error or a value, never a crash (run under ASan/UBSan in CI).
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "augur/host/cgroup_files.h"
#include "augur/host/cgroup_layout.h"
#include "augur/host/pressure.h"
#include "augur/host/proc_files.h"
#include "augur/host/proc_pid.h"

namespace augur::host {
namespace {

struct Case {
  const char* name;
  std::function<bool(std::string_view)> parse;  // true when it returned a value
  std::string valid;
};

std::vector<Case> cases() {
  const std::string w = "where";
  return {
      {"cpu.stat v2", [](auto t) { return parse_cpu_stat_v2(t).has_value(); },
       "usage_usec 1\nuser_usec 1\nsystem_usec 0\nnr_periods 2\nnr_throttled 1\nthrottled_usec "
       "9\n"},
      {"cpu.max", [](auto t) { return parse_cpu_max(t).has_value(); }, "20000 100000\n"},
      {"memory.max", [w](auto t) { return parse_max_or_u64(t, w).has_value(); }, "max\n"},
      {"io.stat", [](auto t) { return parse_io_stat(t).has_value(); },
       "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n"},
      {"io.max", [](auto t) { return parse_io_max(t).has_value(); }, "8:0 rbps=1 wbps=max\n"},
      {"memory.stat", [w](auto t) { return parse_flat_keyed(t, w).has_value(); },
       "anon 1\nfile 2\n"},
      {"pressure", [](auto t) { return parse_pressure(t).has_value(); },
       "some avg10=0.11 avg60=0.37 avg300=0.12 total=1805132\nfull avg10=0.00 avg60=0.00 "
       "avg300=0.00 total=0\n"},
      {"cpu.stat v1", [](auto t) { return parse_cpu_stat_v1(t).has_value(); },
       "nr_periods 3\nnr_throttled 1\nthrottled_time 5\n"},
      {"cfs_quota_us", [](auto t) { return parse_cfs_quota_us(t).has_value(); }, "-1\n"},
      {"limit_in_bytes", [](auto t) { return parse_memory_limit_v1(t).has_value(); }, "123\n"},
      {"blkio", [w](auto t) { return parse_blkio_throttle(t, w).has_value(); },
       "8:0 Read 1\n8:0 Write 2\nTotal 3\n"},
      {"blkio limits", [w](auto t) { return parse_blkio_device_limits(t, w).has_value(); },
       "8:0 1\n"},
      {"/proc/stat", [](auto t) { return parse_proc_stat_cpu(t).has_value(); },
       "cpu  1 2 3 4 5 6 7 8 9 10\n"},
      {"meminfo", [](auto t) { return parse_meminfo(t).has_value(); },
       "MemTotal: 10 kB\nMemFree: 5 kB\nMemAvailable: 6 kB\n"},
      {"schedstat", [](auto t) { return parse_schedstat(t).has_value(); }, "1 2 3\n"},
      {"net/dev", [](auto t) { return parse_net_dev(t).has_value(); },
       "Inter-| Receive | Transmit\n face |bytes packets|bytes\n eth0: 1 2 3 4 5 6 7 8 9 10 11 12 "
       "13 "
       "14 15 16\n"},
      {"diskstats", [](auto t) { return parse_diskstats(t).has_value(); },
       "8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"},
      {"cpu list", [w](auto t) { return parse_cpu_list_count(t, w).has_value(); }, "0-3,5\n"},
      {"mountinfo", [](auto t) { return parse_mountinfo(t).has_value(); },
       "31 23 0:28 / /sys/fs/cgroup/cpu,cpuacct rw shared:1 - cgroup cgroup rw,cpu,cpuacct\n"},
      {"proc cgroup", [](auto t) { return parse_proc_cgroup(t).has_value(); },
       "4:cpu,cpuacct:/a\n0::/b\n"},
  };
}

TEST(ParserRobustness, EveryParserAcceptsItsValidSample) {
  for (const auto& c : cases()) EXPECT_TRUE(c.parse(c.valid)) << c.name;
}

TEST(ParserRobustness, EveryPrefixOfAValidFileIsAValueOrAnError) {
  for (const auto& c : cases()) {
    for (std::size_t n = 0; n <= c.valid.size(); ++n) {
      // A fresh heap copy of exactly n bytes so ASan sees any read past the end.
      const std::string prefix = c.valid.substr(0, n);
      (void)c.parse(std::string_view(prefix));
    }
  }
}

TEST(ParserRobustness, RandomBytesAreAValueOrAnError) {
  std::mt19937 rng(12345);  // fixed seed: deterministic
  const std::string alphabet = "0123456789 :=-,/\n\tabcdefmxsotal\\.";
  for (const auto& c : cases()) {
    for (int i = 0; i < 300; ++i) {
      std::string s(rng() % 80, ' ');
      for (auto& ch : s) {
        ch = (i % 3 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
      }
      (void)c.parse(s);
    }
  }
}

}  // namespace
}  // namespace augur::host
