#pragma once
// This host's instances and their Samples, built from the configuration: discovery sources
// (libvirt, cgroup globs, static entries) rerun every discovery.interval, feeding the
// Sampler (perf counters, cgroup and procfs usage, host totals). The daemon's sampler thread
// and `augurctl sample` both drive it, so what augurctl prints is what the daemon sees.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "augur/config/config.h"
#include "augur/core/instance.h"
#include "augur/sampling/sampler.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::discovery {
struct DiscoveryRun;
}  // namespace augur::discovery

namespace augur::daemon {

struct HostSamplingTick {
  sampling::SamplerTick sampler;
  // Discovery's current list; a new pointer only when it changed (cheap to pass on); null
  // until discovery first answered.
  std::shared_ptr<const std::vector<Instance>> instances;
  bool instances_changed = false;
  // Discovery problems this tick (a failing source keeps its last good answer).
  std::vector<sampling::SamplerNotice> discovery_notices;
};

class HostSampling {
 public:
  // Fails only on what makes sampling impossible (no readable cgroup layout, an event name
  // libpfm4 rejects); a source that is down now (libvirtd) is retried on every discovery.
  // `first_discovery_wait`: how long the first tick waits for the first discovery run (the
  // daemon: as long as any tick, so a hung source at start costs no tick; a one-shot
  // command: long enough for a libvirt connection to open).
  static Result<std::unique_ptr<HostSampling>> create(
      const config::Config& config, const Clock& clock,
      std::optional<Nanos> first_discovery_wait = {});
  ~HostSampling();
  HostSampling(const HostSampling&) = delete;
  HostSampling& operator=(const HostSampling&) = delete;

  // Starts discovery when due (always on the first tick) on a thread of its own and waits a
  // quarter of the sampling interval for it (first_discovery_wait the first time); a run that takes
  // longer is applied at the first tick after it ends, and reported when it takes 5 s or a
  // discovery interval. Then samples.
  HostSamplingTick tick(SteadyTime now);

  [[nodiscard]] const sampling::Sampler& sampler() const;

 private:
  struct Parts;
  // A finished discovery run: its errors and recoveries as notices, a changed list to the
  // Sampler.
  void apply_discovery(discovery::DiscoveryRun run, HostSamplingTick& out);
  explicit HostSampling(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace augur::daemon
