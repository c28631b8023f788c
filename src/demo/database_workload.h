#pragma once
// The demo's database-like workload: a table it reads over and over at a steady rate and, in
// each phase of the web workload's schedule, a report query that spills a temporary file,
// growing from the phase's start until the CPU ramp ends, and reads it with the table until
// the phase ends; then the spill is deleted. Its memory is page cache: under a limit below
// its working set the kernel evicts the pages the next pass reads again from disk, and the
// waiting shows as memory pressure (cgroup2 memory.pressure) and as re-reads.
#include <string>

#include "augur/demo/phased_workload.h"

namespace augur::demo {

struct DatabaseShape {
  const PhaseSchedule* schedule = nullptr;
  double table_mib = 16;
  double spill_mib = 96;  // at the phase's height
  double scan_mib_per_s = 24;

  // The spill's size at `t` seconds: 0 outside a phase's load.
  [[nodiscard]] double spill_mib_at(double t) const;
  [[nodiscard]] double working_set_mib(double t) const { return table_mib + spill_mib_at(t); }
};

// Runs the workload in this process until it is killed, with its files in `dir` (a directory
// on a disk: page cache on tmpfs cannot be evicted). Every 10 ms it reads about
// scan_mib_per_s x 10 ms of its working set (0.5 to 1.5 times that, drawn every half second)
// in 4 KiB reads, cycling through the table and the spill, and
// grows or drops the spill to its size on the schedule; it exits with status 1 when its files
// cannot be made. `shape` must outlive the process.
[[noreturn]] void run_database(const DatabaseShape& shape, const std::string& dir,
                               WorkloadClock::time_point start);

}  // namespace augur::demo
