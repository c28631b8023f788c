#include "augur/daemon/host_sampling.h"

#include <optional>

#include "augur/discovery/cgroup_source.h"
#include "augur/discovery/discoverer.h"
#include "augur/discovery/libvirt_event_loop.h"
#include "augur/discovery/libvirt_source.h"
#include "augur/discovery/static_source.h"
#include "augur/host/cgroup_layout.h"
#include "augur/sampling/libvirt/domain_stats_collector.h"
#include "augur/sampling/perf/event.h"
#include "augur/sampling/perf/thread_counter_set.h"

namespace augur::daemon {

using sampling::SamplerNotice;

namespace {

// libvirt's bulk stats for the Sampler, over the collector's own read-only connection (a slow
// discovery call must not stall a sampling tick).
class LibvirtDomainStats final : public sampling::DomainStatsSource {
 public:
  LibvirtDomainStats(discovery::LibvirtConnectionOptions options, const Clock& clock)
      : collector_(std::move(options), clock) {}
  Result<std::map<std::string, sampling::DomainStatsRaw>> collect() override {
    auto records = collector_.collect();
    if (!records) return records.error();
    std::map<std::string, sampling::DomainStatsRaw> out;
    for (auto& r : *records) out.emplace(r.uuid, std::move(r.raw));
    return out;
  }

 private:
  sampling::DomainStatsCollector collector_;
};

}  // namespace

struct HostSampling::Parts {
  // libvirt's event loop must run for connection keepalive; it outlives the connections.
  std::unique_ptr<discovery::LibvirtEventLoop> libvirt_events;
  discovery::Discoverer discoverer;
  std::unique_ptr<sampling::Sampler> sampler;
  Nanos discovery_interval{0};
  std::optional<SteadyTime> last_discovery;
  std::shared_ptr<const std::vector<Instance>> instances =
      std::make_shared<const std::vector<Instance>>();
};

HostSampling::HostSampling(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
HostSampling::~HostSampling() = default;

const sampling::Sampler& HostSampling::sampler() const {
  return *parts_->sampler;
}

Result<std::unique_ptr<HostSampling>> HostSampling::create(const config::Config& config,
                                                           const Clock& clock) {
  const config::SamplingSection& s = config.sampling;
  auto layout = host::read_cgroup_layout(s.proc_root, s.cgroup_root);
  if (!layout) return Error{"cannot read the cgroup layout: " + layout.error().message(), "", 0};
  auto events = sampling::encode_events(s.events);
  if (!events) {
    return Error{"sampling.events: " + events.error().message(), config.source_file, 0};
  }

  auto parts = std::make_unique<Parts>();
  parts->discovery_interval = config.discovery.interval;
  const config::DiscoverySection& d = config.discovery;
  std::unique_ptr<sampling::DomainStatsSource> domain_stats;
  if (d.libvirt.enabled) {
    auto events_loop = discovery::LibvirtEventLoop::start();
    if (events_loop) parts->libvirt_events = std::move(events_loop).value();
    const discovery::LibvirtSourceOptions libvirt = discovery::libvirt_source_options(d.libvirt, s);
    parts->discoverer.add_source(std::make_unique<discovery::LibvirtSource>(libvirt, clock));
    domain_stats = std::make_unique<LibvirtDomainStats>(libvirt.connection, clock);
  }
  if (d.cgroups.enabled) {
    parts->discoverer.add_source(
        std::make_unique<discovery::CgroupSource>(discovery::cgroup_source_options(d.cgroups, s)));
  }
  if (!d.static_entries.empty()) {
    auto statics = discovery::StaticSource::create(d.static_entries, s.proc_root);
    if (!statics) return Error{"discovery.static: " + statics.error().message(), "", 0};
    parts->discoverer.add_source(
        std::make_unique<discovery::StaticSource>(std::move(statics).value()));
  }

  sampling::HostCapacityConfig capacity_config;
  if (s.disk_bandwidth_bytes_per_s > 0)
    capacity_config.disk_bytes_per_s = s.disk_bandwidth_bytes_per_s;
  if (s.network_bandwidth_bytes_per_s > 0) {
    capacity_config.net_bytes_per_s = s.network_bandwidth_bytes_per_s;
  }
  const std::string sys_root = "/sys";
  sampling::SamplerOptions options;
  options.per_cgroup_counting_threshold = d.cgroups.per_cgroup_counting_threshold;
  parts->sampler = std::make_unique<sampling::Sampler>(
      std::make_unique<sampling::ThreadCounterSet>(std::move(events).value()), *layout,
      sampling::UsageReader(*layout, "", s.proc_root),
      sampling::HostUsageReader(s.proc_root, sys_root),
      sampling::read_host_capacity(s.proc_root, sys_root, capacity_config), options,
      std::move(domain_stats));
  return std::unique_ptr<HostSampling>(new HostSampling(std::move(parts)));
}

HostSamplingTick HostSampling::tick(SteadyTime now) {
  HostSamplingTick out;
  Parts& p = *parts_;
  if (!p.last_discovery || now - *p.last_discovery >= p.discovery_interval) {
    p.last_discovery = now;
    discovery::DiscoveryRun run = p.discoverer.run();
    for (const auto& e : run.errors) {
      out.discovery_notices.push_back(
          SamplerNotice{SamplerNotice::Severity::kError, "discovery:" + e.source, "",
                        "discovery source " + e.source + " failed: " + e.error.message() +
                            " (keeping its last answer)"});
    }
    if (!run.diff.empty() || p.instances->size() != run.instances.size()) {
      p.instances = std::make_shared<const std::vector<Instance>>(run.instances);
      out.instances_changed = true;
      auto notices = p.sampler->set_instances(run.instances);
      out.discovery_notices.insert(out.discovery_notices.end(), notices.begin(), notices.end());
    }
  }
  out.instances = p.instances;
  out.sampler = p.sampler->tick(now);
  return out;
}

}  // namespace augur::daemon
