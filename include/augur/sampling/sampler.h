#pragma once
// The sampler: one Sample per instance per tick, from perf counters, cgroup/procfs usage and
// the host's totals. It owns the counter descriptors and the open kernel files. Raw readings
// are kept per instance; rates come from the previous and current raw readings through the
// pure derive_* functions, so a recording of raw readings replays through the same code.
//
// Not thread-safe: the daemon's sampler thread owns it.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "augur/core/instance.h"
#include "augur/core/sample.h"
#include "augur/host/cgroup_layout.h"
#include "augur/sampling/libvirt/domain_stats.h"
#include "augur/sampling/perf/counter_source.h"
#include "augur/sampling/perf/perf_raw.h"
#include "augur/sampling/usage/host_usage.h"
#include "augur/sampling/usage/usage_raw.h"
#include "augur/sampling/usage/usage_reader.h"

namespace augur::sampling {

// One instance's raw readings at one moment.
struct InstanceRaw {
  SteadyTime at{};
  PerfRaw perf;
  UsageRaw usage;
};

// One bulk reading of libvirt's domain stats, keyed by domain UUID (the Instance id).
struct DomainStatsReading {
  std::map<std::string, DomainStatsRaw> domains;
  // How long before collect() returned the values were read: a call that outlasted one
  // tick's wait is used at the next, with its own time.
  Nanos age{0};
  // The call is still in flight, not yet late enough to be an error: no reading this tick.
  bool pending = false;
};

// Where libvirt's bulk domain stats come from (DomainStatsCollector on a host).
class DomainStatsSource {
 public:
  virtual ~DomainStatsSource() = default;
  virtual Result<DomainStatsReading> collect() = 0;
};

// Something the daemon should know about (and log, rate-limited by `key`).
struct SamplerNotice {
  enum class Severity { kDebug, kInfo, kWarning, kError };
  Severity severity = Severity::kInfo;
  std::string key;          // stable per condition, for rate limiting
  std::string instance_id;  // empty for host-wide notices
  std::string message;
  // The condition of `key` cleared (a source answers again): logged at its severity, and the
  // next failure of `key` is logged at once rather than rate limited.
  bool resolved = false;
};

struct SamplerTick {
  std::vector<Sample> samples;      // every instance with a previous reading
  ResourceVector host_utilisation;  // 0..1 per resource (NaN unknown)
  std::vector<SamplerNotice> notices;
};

struct SamplerOptions {
  // Containers with more threads than this are counted per cgroup (one group per CPU).
  int per_cgroup_counting_threshold = 64;
};

class Sampler {
 public:
  Sampler(std::unique_ptr<CounterSource> counters, host::CgroupLayout layout, UsageReader usage,
          HostUsageReader host, HostCapacity capacity, SamplerOptions options = {},
          std::unique_ptr<DomainStatsSource> domain_stats = nullptr);

  // Makes the counted set match discovery's current list: opens counters for new instances
  // and threads, closes those of instances gone. Returns what went wrong, per instance.
  std::vector<SamplerNotice> set_instances(const std::vector<Instance>& instances);

  // Reads everything once and derives rates over the interval since the previous tick. An
  // instance's first reading only primes it (no Sample until its second).
  SamplerTick tick(SteadyTime now);

  [[nodiscard]] const HostCapacity& host_capacity() const { return capacity_; }
  [[nodiscard]] std::size_t instance_count() const { return instances_.size(); }
  [[nodiscard]] std::size_t open_files() const { return usage_.open_files(); }

 private:
  struct Tracked {
    Instance instance;
    std::optional<InstanceRaw> previous;
    // libvirt's last reading and when it was read: rates span readings, not ticks.
    std::optional<DomainStatsRaw> domain;
    SteadyTime domain_at{};
    // The rates of the last two readings, held while a slow call is in flight.
    std::optional<Sample> domain_rates;
  };
  Status count(const Instance& instance);

  std::unique_ptr<CounterSource> counters_;
  std::unique_ptr<DomainStatsSource> domain_stats_;
  bool domain_stats_failing_ = false;  // for one "available again" notice
  host::CgroupLayout layout_;
  UsageReader usage_;
  HostUsageReader host_;
  HostCapacity capacity_;
  SamplerOptions options_;
  std::map<std::string, Tracked> instances_;
  std::optional<std::pair<SteadyTime, HostUsageRaw>> previous_host_;
  bool hardware_reported_ = false;
};

}  // namespace augur::sampling
