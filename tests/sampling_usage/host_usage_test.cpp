#include "augur/sampling/usage/host_usage.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "augur/host/open_file.h"
#include "temp_tree.h"

namespace augur::sampling {
namespace {

using augur::testing::fixture;
using namespace std::chrono_literals;

const std::string kHost = fixture("proc/kvm-guest-2cpu");

TEST(HostUsage, CountsOnlyPhysicalDisksAndNicsOfTheFixtureHost) {
  HostUsageReader rd(kHost + "/proc", kHost + "/sys");
  EXPECT_EQ(rd.disks(), (std::vector<std::string>{"vda"})) << "loop and zram have no device link";
  EXPECT_EQ(rd.nics(), (std::vector<std::string>{"eth0"}));
  const HostUsageRaw r = rd.read();
  ASSERT_TRUE(r.cpu.has()) << r.cpu.missing_reason;
  EXPECT_EQ(r.cpu.value->user, 41547u);
  ASSERT_TRUE(r.memory.has());
  EXPECT_EQ(r.memory.value->total_bytes, 24731708ull * 1024);
  EXPECT_EQ(r.disk_read_bytes.value, 2551466ull * 512);
  EXPECT_EQ(r.disk_write_bytes.value, 2806912ull * 512);
  EXPECT_EQ(r.disk_read_ops.value, 30911u);
  EXPECT_EQ(r.net_rx_bytes.value, 101818596u);
  EXPECT_EQ(r.net_tx_bytes.value, 183770u);
  EXPECT_TRUE(r.cpu_pressure.some_usec.has());
  EXPECT_TRUE(r.io_pressure.full_usec.has());
}

TEST(HostUsage, CapacityFromSysfsAndMeminfoAndConfig) {
  HostCapacityConfig config;
  config.disk_bytes_per_s = 500e6;
  config.net_bytes_per_s = 1e9;
  const HostCapacity c = read_host_capacity(kHost + "/proc", kHost + "/sys", config);
  EXPECT_DOUBLE_EQ(c.capacity[Resource::kCpu], 2.0);
  EXPECT_DOUBLE_EQ(c.capacity[Resource::kMemory], 24731708.0 * 1024);
  EXPECT_DOUBLE_EQ(c.capacity[Resource::kDisk], 500e6);
  EXPECT_DOUBLE_EQ(c.capacity[Resource::kNetwork], 10000e6 / 8) << "eth0 speed 10000 Mb/s wins";
}

TEST(HostUsage, UnknownCapacitiesAreNaNWithANote) {
  augur::testing::TempTree t;
  const HostCapacity c = read_host_capacity(t.path("proc"), t.path("sys"), {});
  EXPECT_GE(c.capacity[Resource::kCpu], 1.0) << "falls back to sched_getaffinity";
  EXPECT_FALSE(c.capacity.known(Resource::kMemory));
  EXPECT_FALSE(c.capacity.known(Resource::kDisk));
  EXPECT_FALSE(c.capacity.known(Resource::kNetwork));
  EXPECT_EQ(c.notes.size(), 4u);
}

HostUsageRaw host_reading(host::CpuTimes cpu, std::uint64_t avail_kib, std::uint64_t disk,
                          std::uint64_t rx, std::uint64_t tx) {
  HostUsageRaw r;
  r.cpu.set(cpu);
  host::MemInfo m;
  m.total_bytes = 1000 * 1024;
  m.available_bytes = avail_kib * 1024;
  r.memory.set(m);
  r.disk_read_bytes.set(disk);
  r.disk_write_bytes.set(disk);
  r.net_rx_bytes.set(rx);
  r.net_tx_bytes.set(tx);
  return r;
}

TEST(HostUtilisation, DerivesEachResourceFromDeltasAndCapacity) {
  host::CpuTimes a{}, b{};
  a.user = 100, a.idle = 300, a.iowait = 0;
  b.user = 175, b.idle = 320, b.iowait = 5;  // 100 ticks: 25 idle -> 75 % busy
  HostCapacity cap;
  cap.capacity = ResourceVector{{2, 1000 * 1024, 1000, 1000}};
  const auto u = derive_host_utilisation(host_reading(a, 800, 0, 0, 0),
                                         host_reading(b, 250, 100, 500, 200), 1s, cap);
  EXPECT_DOUBLE_EQ(u[Resource::kCpu], 0.75);
  EXPECT_DOUBLE_EQ(u[Resource::kMemory], 0.75);
  EXPECT_DOUBLE_EQ(u[Resource::kDisk], 0.2);     // (100 + 100) B/s of 1000
  EXPECT_DOUBLE_EQ(u[Resource::kNetwork], 0.5);  // max(rx, tx) of full duplex
}

TEST(HostUtilisation, UnknownCapacityResetOrZeroElapsedIsNaN) {
  host::CpuTimes a{}, b{};
  a.user = 10, b.user = 20;
  HostCapacity cap;  // all unknown
  const auto u = derive_host_utilisation(host_reading(a, 800, 50, 50, 50),
                                         host_reading(b, 800, 100, 10, 10), 1s, cap);
  EXPECT_DOUBLE_EQ(u[Resource::kCpu], 1.0);
  EXPECT_FALSE(u.known(Resource::kDisk));
  EXPECT_FALSE(u.known(Resource::kNetwork));
  cap.capacity = ResourceVector{{2, 1, 1000, 1000}};
  const auto reset = derive_host_utilisation(host_reading(a, 800, 50, 50, 50),
                                             host_reading(b, 800, 100, 10, 10), 1s, cap);
  EXPECT_TRUE(reset.known(Resource::kDisk));
  EXPECT_FALSE(reset.known(Resource::kNetwork)) << "counter went backwards";
  const auto zero = derive_host_utilisation(host_reading(a, 800, 50, 50, 50),
                                            host_reading(b, 800, 100, 60, 60), 0s, cap);
  EXPECT_FALSE(zero.known(Resource::kDisk));
  EXPECT_TRUE(zero.known(Resource::kMemory)) << "memory is a gauge";
}

TEST(HostUsage, RealHostUtilisationIsBetweenZeroAndOne) {
  HostUsageReader rd("/proc", "/sys");
  HostCapacityConfig config;
  config.disk_bytes_per_s = 200e6;
  config.net_bytes_per_s = 125e6;
  const HostCapacity cap = read_host_capacity("/proc", "/sys", config);
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_GE(cap.capacity[Resource::kCpu], CPU_COUNT(&set));
  EXPECT_GT(cap.capacity[Resource::kMemory], 0);
  EXPECT_TRUE(cap.capacity.known(Resource::kNetwork));
  const HostUsageRaw a = rd.read();
  const auto start = std::chrono::steady_clock::now();
  volatile std::uint64_t spin = 0;
  // Busy long enough for /proc/stat's 10 ms ticks to move.
  while (std::chrono::steady_clock::now() - start < 150ms) spin = spin + 1;
  const HostUsageRaw b = rd.read();
  const auto u = derive_host_utilisation(a, b, std::chrono::steady_clock::now() - start, cap);
  for (Resource r : kAllResources) {
    ASSERT_TRUE(u.known(r)) << resource_name(r);
    EXPECT_GE(u[r], 0.0);
    EXPECT_LE(u[r], 1.0);
  }
  EXPECT_GT(u[Resource::kCpu], 0.2) << "this thread kept one of the CPUs busy";
}

}  // namespace
}  // namespace augur::sampling
