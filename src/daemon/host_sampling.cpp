#include "augur/daemon/host_sampling.h"

#include <cstdio>
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
#include "augur/util/background_job.h"

namespace augur::daemon {

using sampling::SamplerNotice;

namespace {

using WallClock = std::chrono::steady_clock;

// A discovery run still going after this long (or after one discovery interval, if longer)
// is reported: a source hangs.
constexpr auto kSlowDiscovery = std::chrono::seconds(5);

std::string seconds_text(WallClock::duration d) {
  const double s = std::chrono::duration<double>(d).count();
  char buf[32];
  if (s < 1) {
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  }
  return buf;
}

// libvirt's bulk stats for the Sampler, over the collector's own read-only connection (a slow
// discovery call must not stall a sampling tick). The call runs on a thread of its own and a
// tick waits `budget` for it; a call that takes longer is used at the next tick with its own
// time, and one still unanswered after `stalled_after` is an error: a frozen libvirtd costs
// VM statistics, not the tick.
class LibvirtDomainStats final : public sampling::DomainStatsSource {
 public:
  LibvirtDomainStats(discovery::LibvirtConnectionOptions options, const Clock& clock, Nanos budget,
                     Nanos stalled_after)
      : collector_(std::move(options), clock), budget_(budget), stalled_after_(stalled_after) {}

  Result<sampling::DomainStatsReading> collect() override {
    std::optional<Answer> late;
    if (job_.busy()) {
      late = job_.poll();
      if (!late) {
        const auto running = job_.running_for();
        if (running < stalled_after_) return sampling::DomainStatsReading{{}, {}, true};
        return Error{"libvirt has not answered for " + seconds_text(running) +
                         " (libvirtd busy or frozen); VM statistics are missing until it does",
                     "virConnectGetAllDomainStats"};
      }
    }
    job_.start([this] { return Answer{collector_.collect(), WallClock::now()}; });
    std::optional<Answer> answer = job_.wait_until(WallClock::now() + budget_);
    if (!answer) answer = std::move(late);  // slow but answering: last tick's call
    if (!answer) return sampling::DomainStatsReading{{}, {}, true};
    if (!answer->records) return answer->records.error();
    sampling::DomainStatsReading out;
    out.age = std::chrono::duration_cast<Nanos>(WallClock::now() - answer->at);
    for (auto& r : *answer->records) out.domains.emplace(r.uuid, std::move(r.raw));
    return out;
  }

 private:
  struct Answer {
    Result<std::vector<sampling::DomainStatsRecord>> records;
    WallClock::time_point at;  // when the call returned
  };
  sampling::DomainStatsCollector collector_;
  Nanos budget_;
  Nanos stalled_after_;
  // Last: destroyed first, waiting for a call in flight that uses collector_.
  BackgroundJob<Answer> job_;
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
  // How long a tick waits for a discovery run it started (later ticks only poll), and when a
  // run still going is reported as hung.
  Nanos wait_budget{0};
  Nanos first_wait{0};
  Nanos slow_after{0};
  bool first_run_done = false;
  bool slow_reported = false;
  // Runs the discoverer off the sampler thread (a frozen libvirtd holds a call until
  // keepalive gives up). Declared after what its runs use, so it is destroyed first.
  BackgroundJob<discovery::DiscoveryRun> discovery_job;
};

HostSampling::HostSampling(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
HostSampling::~HostSampling() = default;

const sampling::Sampler& HostSampling::sampler() const {
  return *parts_->sampler;
}

Result<std::unique_ptr<HostSampling>> HostSampling::create(
    const config::Config& config, const Clock& clock, std::optional<Nanos> first_discovery_wait) {
  const config::SamplingSection& s = config.sampling;
  auto layout = host::read_cgroup_layout(s.proc_root, s.cgroup_root);
  if (!layout) return Error{"cannot read the cgroup layout: " + layout.error().message(), "", 0};
  auto events = sampling::encode_events(s.events);
  if (!events) {
    return Error{"sampling.events: " + events.error().message(), config.source_file, 0};
  }

  auto parts = std::make_unique<Parts>();
  parts->discovery_interval = config.discovery.interval;
  // A quarter of the tick for each of discovery and libvirt's stats: a tick with both
  // sources hung still ends in half its interval. Stats unanswered for a tick (1 s at least)
  // are reported missing.
  const Nanos budget = s.interval / 4;
  const Nanos stats_stalled_after = std::max<Nanos>(s.interval, std::chrono::seconds(1));
  parts->wait_budget = budget;
  parts->first_wait = first_discovery_wait.value_or(budget);
  parts->slow_after = std::max<Nanos>(kSlowDiscovery, config.discovery.interval);
  const config::DiscoverySection& d = config.discovery;
  std::unique_ptr<sampling::DomainStatsSource> domain_stats;
  if (d.libvirt.enabled) {
    auto events_loop = discovery::LibvirtEventLoop::start();
    if (events_loop) parts->libvirt_events = std::move(events_loop).value();
    const discovery::LibvirtSourceOptions libvirt = discovery::libvirt_source_options(d.libvirt, s);
    parts->discoverer.add_source(std::make_unique<discovery::LibvirtSource>(libvirt, clock));
    domain_stats = std::make_unique<LibvirtDomainStats>(libvirt.connection, clock, budget,
                                                        stats_stalled_after);
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
  std::optional<discovery::DiscoveryRun> run;
  if (p.discovery_job.busy()) {
    run = p.discovery_job.poll();  // a run that outlasted an earlier tick's wait
  } else if (!p.last_discovery || now - *p.last_discovery >= p.discovery_interval) {
    p.last_discovery = now;
    p.discovery_job.start([&discoverer = p.discoverer] { return discoverer.run(); });
    run = p.discovery_job.wait_until(WallClock::now() +
                                     (p.first_run_done ? p.wait_budget : p.first_wait));
  }
  if (run) {
    p.first_run_done = true;
    apply_discovery(std::move(*run), out);
  } else if (const auto running = p.discovery_job.running_for();
             running >= p.slow_after && !p.slow_reported) {
    p.slow_reported = true;
    out.discovery_notices.push_back(SamplerNotice{
        SamplerNotice::Severity::kWarning, "discovery:slow", "",
        "discovery has not finished for " + seconds_text(running) +
            " (a source hangs: libvirtd frozen?); sampling goes on with the last instance list",
        false});
  }
  // No list at all until discovery first answered: an empty one would say every instance
  // is gone.
  if (p.first_run_done) out.instances = p.instances;
  out.sampler = p.sampler->tick(now);
  return out;
}

void HostSampling::apply_discovery(discovery::DiscoveryRun run, HostSamplingTick& out) {
  Parts& p = *parts_;
  if (std::exchange(p.slow_reported, false)) {
    out.discovery_notices.push_back(SamplerNotice{SamplerNotice::Severity::kInfo, "discovery:slow",
                                                  "", "discovery finished again", true});
  }
  for (const auto& e : run.errors) {
    out.discovery_notices.push_back(
        SamplerNotice{SamplerNotice::Severity::kError, "discovery:" + e.source, "",
                      "discovery source " + e.source + " failed: " + e.error.message() +
                          " (keeping its last answer)",
                      false});
  }
  for (const auto& source : run.recovered) {
    out.discovery_notices.push_back(
        SamplerNotice{SamplerNotice::Severity::kInfo, "discovery:" + source, "",
                      "discovery source " + source + " answers again", true});
  }
  if (!run.diff.empty() || p.instances->size() != run.instances.size()) {
    p.instances = std::make_shared<const std::vector<Instance>>(std::move(run.instances));
    out.instances_changed = true;
    auto notices = p.sampler->set_instances(*p.instances);
    out.discovery_notices.insert(out.discovery_notices.end(), notices.begin(), notices.end());
  }
}

}  // namespace augur::daemon
