#pragma once
// Counter events named the way the config names them, encoded through libpfm4 into what
// perf_event_open needs. Kept free of perf_event.h so that any unit may include it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/metric.h"
#include "augur/util/result.h"

namespace augur::sampling {

// The perf metrics are the first entries of Metric (kCycles..kPageFaults); counter code
// indexes its per-event slots with these.
inline constexpr std::size_t kPerfMetricCount = static_cast<std::size_t>(Metric::kPageFaults) + 1;
[[nodiscard]] constexpr bool is_perf_metric(Metric m) {
  return static_cast<std::size_t>(m) < kPerfMetricCount;
}

struct EncodedEvent {
  std::string name;       // as configured ("cycles", "task-clock", "INST_RETIRED:ANY_P")
  std::string canonical;  // libpfm4's fully qualified name ("perf::PERF_COUNT_SW_TASK_CLOCK:...")
  Metric metric = Metric::kTaskClockCores;
  bool hardware = true;  // needs a PMU; everything that is not a perf software event
  // The perf_event_attr fields libpfm4 filled.
  std::uint32_t type = 0;
  std::uint64_t config = 0;
  std::uint64_t config1 = 0;
  std::uint64_t config2 = 0;
  bool exclude_user = false;
  bool exclude_kernel = false;
};

// Names the config may use, and what libpfm4 4.13 makes of them (its "perf" PMU, which
// needs no hardware PMU, accepts perf's own spellings as aliases, so no renaming is done):
//   config name          libpfm4 canonical name                 attr type/config  Metric
//   cycles               perf::PERF_COUNT_HW_CPU_CYCLES          0/0  kCycles
//   instructions         perf::PERF_COUNT_HW_INSTRUCTIONS        0/1  kInstructions
//   cache-references     perf::PERF_COUNT_HW_CACHE_REFERENCES    0/2  kCacheReferences
//   cache-misses         perf::PERF_COUNT_HW_CACHE_MISSES        0/3  kCacheMisses
//   branch-instructions  perf::PERF_COUNT_HW_BRANCH_INSTRUCTIONS 0/4  kBranchInstructions
//   branch-misses        perf::PERF_COUNT_HW_BRANCH_MISSES       0/5  kBranchMisses
//   task-clock           perf::PERF_COUNT_SW_TASK_CLOCK          1/1  kTaskClockCores
//   page-faults          perf::PERF_COUNT_SW_PAGE_FAULTS         1/2  kPageFaults
//   context-switches     perf::PERF_COUNT_SW_CONTEXT_SWITCHES    1/3  kContextSwitches
//   cpu-migrations       perf::PERF_COUNT_SW_CPU_MIGRATIONS      1/4  kCpuMigrations
// "perf::TASK-CLOCK", "PERF_COUNT_SW_TASK_CLOCK" and the like encode the same. PMU-specific
// names ("INST_RETIRED:ANY_P", "perf_raw::r00c0") encode only where that PMU exists.
//
// Encodes one event name through libpfm4 (initialised once, thread-safe), counting user and
// kernel mode. The Metric comes from the encoding for the generic perf events (perf-style
// names such as "cycles" or "page-faults" and their libpfm spellings "perf::PAGE-FAULTS");
// a CPU-specific event must say which metric it feeds with `metric`. Unknown names give an
// Error naming the event and libpfm4's message.
[[nodiscard]] Result<EncodedEvent> encode_event(std::string_view name,
                                                std::optional<Metric> metric = std::nullopt);

// Encodes every name; the first failure is returned. Two events feeding one metric is an error.
[[nodiscard]] Result<std::vector<EncodedEvent>> encode_events(std::span<const std::string> names);

// The default event set of the config: six hardware, four software events.
[[nodiscard]] std::span<const std::string> default_event_names();

}  // namespace augur::sampling
