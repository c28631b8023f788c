#pragma once
// Cumulative, raw resource usage of one instance at one moment, as the kernel counts it.
// Rates come from two of these and the elapsed time (derive_usage_rates), so recordings of
// raw readings replay through the same code.
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "augur/core/resource.h"
#include "augur/sampling/usage/field.h"

namespace augur::sampling {

// Cumulative PSI stall time of one resource (cgroup2 *.pressure), in microseconds.
struct PressureTotals {
  Field<std::uint64_t> some_usec;
  Field<std::uint64_t> full_usec;
};

// /proc/<pid>/task/<tid>/schedstat of one thread.
struct ThreadSched {
  pid_t tid = 0;
  std::uint64_t run_ns = 0;   // on CPU
  std::uint64_t wait_ns = 0;  // runnable, waiting on a run queue
};

struct UsageRaw {
  // CPU, cumulative (v2 µs and v1 ns both converted to ns)
  Field<std::uint64_t> cpu_usage_ns;
  Field<std::uint64_t> cpu_throttled_ns;
  Field<std::uint64_t> cpu_periods;            // CFS bandwidth periods elapsed
  Field<std::uint64_t> cpu_throttled_periods;  // of which throttled
  // memory, gauges except major_faults
  Field<std::uint64_t> memory_bytes;
  Field<std::uint64_t> memory_anon_bytes;
  Field<std::uint64_t> memory_file_bytes;
  Field<std::uint64_t> major_faults;  // cumulative
  // disk, cumulative, summed over devices
  Field<std::uint64_t> disk_read_bytes;
  Field<std::uint64_t> disk_write_bytes;
  Field<std::uint64_t> disk_read_ops;
  Field<std::uint64_t> disk_write_ops;
  // pressure (cgroup2 only)
  PressureTotals cpu_pressure;
  PressureTotals memory_pressure;
  PressureTotals io_pressure;
  // per thread of Instance::thread_ids that could be read, ascending tid
  Field<std::vector<ThreadSched>> threads;
  // network of the instance's own network namespace, cumulative, "lo" excluded
  Field<std::uint64_t> net_rx_bytes;
  Field<std::uint64_t> net_tx_bytes;
  Field<std::uint64_t> net_rx_packets;
  Field<std::uint64_t> net_tx_packets;
  // allocation in force; missing with reason "unlimited" when no limit is set
  Field<double> cpu_limit_cores;         // quota / period
  Field<double> memory_limit_bytes;      // memory.max / memory.limit_in_bytes
  Field<double> disk_limit_bytes_per_s;  // host::instance_disk_limit: sum of per-device max(r, w)

  // The allocation as a ResourceVector (NaN where unlimited or unknown; network NaN: cgroups
  // do not limit it).
  [[nodiscard]] ResourceVector allocation() const;
};

}  // namespace augur::sampling
