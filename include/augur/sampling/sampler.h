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
  std::optional<DomainStatsRaw> domain;  // VMs, from libvirt's bulk stats
};

// Where libvirt's bulk domain stats come from (DomainStatsCollector on a host; a recording
// in tests). Keyed by domain UUID, which is the Instance id.
class DomainStatsSource {
 public:
  virtual ~DomainStatsSource() = default;
  virtual Result<std::map<std::string, DomainStatsRaw>> collect() = 0;
};

// Something the daemon should know about (and log, rate-limited by `key`).
struct SamplerNotice {
  enum class Severity { kDebug, kInfo, kWarning, kError };
  Severity severity = Severity::kInfo;
  std::string key;          // stable per condition, for rate limiting
  std::string instance_id;  // empty for host-wide notices
  std::string message;
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
  };
  Status count(const Instance& instance);

  std::unique_ptr<CounterSource> counters_;
  std::unique_ptr<DomainStatsSource> domain_stats_;
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
