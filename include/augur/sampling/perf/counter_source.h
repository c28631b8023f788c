#pragma once
// The seam between the sampler and whatever produces counter readings: perf_event_open on
// this host (ThreadCounterSet), or a recording in replay and tests.
#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "augur/sampling/perf/perf_raw.h"
#include "augur/util/result.h"

namespace augur::sampling {

struct HardwareStatus {
  enum class State { kUnknown, kAvailable, kUnavailable };
  State state = State::kUnknown;  // unknown until a hardware group was first opened
  std::string reason;             // "hardware events unavailable: <why>" when unavailable
};

class CounterSource {
 public:
  virtual ~CounterSource() = default;

  // Counts exactly `tids` for the instance from now on: opens groups for new threads,
  // closes those of threads no longer listed. Threads that are already gone are skipped
  // quietly. An Error (fd budget, software events refused) leaves what opened counting.
  virtual Status apply(const std::string& instance_id, std::span<const pid_t> tids) = 0;

  // Counts the whole cgroup (`cgroup_dir`, a directory in the perf_event hierarchy,
  // cgroup2 or v1) with one group per online CPU instead of per thread.
  virtual Status apply_cgroup(const std::string& instance_id, const std::string& cgroup_dir) = 0;

  // Stops counting the instance and closes its descriptors.
  virtual void remove(const std::string& instance_id) = 0;

  // One reading of every instance, in instance id order. Threads found gone are closed
  // and listed in PerfRaw::gone; never an error.
  [[nodiscard]] virtual std::vector<PerfRaw> read_all() = 0;

  [[nodiscard]] virtual HardwareStatus hardware_status() const = 0;

  // The hardware status reason the first time hardware became unavailable; nullopt on every
  // later call, so the daemon reports it once.
  [[nodiscard]] virtual std::optional<std::string> take_hardware_notice() = 0;
};

}  // namespace augur::sampling
