#include "augur/sampling/sampler.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "augur/sampling/perf/derive.h"
#include "augur/sampling/usage/rates.h"

namespace augur::sampling {

namespace {

SamplerNotice notice(SamplerNotice::Severity s, std::string key, std::string instance_id,
                     std::string message) {
  return SamplerNotice{s, std::move(key), std::move(instance_id), std::move(message), false};
}

// The cgroup2 directory perf can count as a whole (PERF_FLAG_PID_CGROUP), if any.
std::optional<std::string> perf_cgroup_dir(const Instance& instance,
                                           const host::CgroupLayout& layout) {
  for (const CgroupRef& ref : instance.cgroups) {
    if (!ref.controller.empty() || ref.path.empty() || ref.path == "/") continue;
    if (auto dir = layout.directory(ref)) return dir;
  }
  return std::nullopt;
}

// "2 threads: 4101,4102" for a VM (its vCPU threads, which operators check against QEMU's
// `info cpus`); only the count for others, which may have thousands.
std::string thread_list(const Instance& instance) {
  std::string out = std::to_string(instance.thread_ids.size()) + " threads";
  if (instance.kind != InstanceKind::kVirtualMachine || instance.thread_ids.empty()) return out;
  out += ":";
  for (std::size_t i = 0; i < instance.thread_ids.size(); ++i) {
    out += (i == 0 ? " " : ",") + std::to_string(instance.thread_ids[i]);
  }
  return out;
}

}  // namespace

Sampler::Sampler(std::unique_ptr<CounterSource> counters, host::CgroupLayout layout,
                 UsageReader usage, HostUsageReader host, HostCapacity capacity,
                 SamplerOptions options, std::unique_ptr<DomainStatsSource> domain_stats)
    : counters_(std::move(counters)),
      domain_stats_(std::move(domain_stats)),
      layout_(std::move(layout)),
      usage_(std::move(usage)),
      host_(std::move(host)),
      capacity_(std::move(capacity)),
      options_(options) {}

Status Sampler::count(const Instance& instance) {
  const bool many_threads =
      static_cast<int>(instance.thread_ids.size()) > options_.per_cgroup_counting_threshold;
  if (instance.kind == InstanceKind::kContainer && many_threads) {
    if (auto dir = perf_cgroup_dir(instance, layout_)) {
      return counters_->apply_cgroup(instance.id, *dir);
    }
  }
  return counters_->apply(instance.id, std::span<const pid_t>(instance.thread_ids));
}

std::vector<SamplerNotice> Sampler::set_instances(const std::vector<Instance>& instances) {
  std::vector<SamplerNotice> notices;
  std::map<std::string, const Instance*> wanted;
  for (const Instance& i : instances) wanted.emplace(i.id, &i);

  for (auto it = instances_.begin(); it != instances_.end();) {
    if (wanted.count(it->first) == 0) {
      counters_->remove(it->first);
      usage_.forget(it->first);
      notices.push_back(notice(SamplerNotice::Severity::kInfo, "gone:" + it->first, it->first,
                               "instance gone: " + it->second.instance.name));
      it = instances_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, instance] : wanted) {
    auto it = instances_.find(id);
    const bool fresh = it == instances_.end();
    if (!fresh && it->second.instance == *instance) continue;
    if (auto s = count(*instance); !s) {
      notices.push_back(notice(SamplerNotice::Severity::kError, "counters:" + id, id,
                               "cannot count " + instance->name + ": " + s.error().message()));
    }
    if (fresh) {
      instances_.emplace(id, Tracked{*instance, std::nullopt, std::nullopt, {}, std::nullopt});
      notices.push_back(
          notice(SamplerNotice::Severity::kInfo, "new:" + id, id,
                 "instance found: " + instance->name + " (" + thread_list(*instance) + ")"));
    } else {
      // Threads or cgroups changed: keep the previous reading (the derive functions only take
      // deltas of units present in both), but reopen the files: a cgroup may have moved or
      // gained a controller.
      usage_.forget(id);
      it->second.instance = *instance;
    }
  }
  return notices;
}

namespace {

// What derive_domain_rates() wrote into `rates`, over the Sample built from perf and cgroups:
// libvirt's values and its reasons for the ones it lacks replace theirs.
void overlay_domain_rates(const Sample& rates, Sample& s) {
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    if (rates.present.test(m)) s.set(static_cast<Metric>(m), rates.values[m]);
  }
  for (const auto& [metric, reason] : rates.missing_reasons) s.mark_missing(metric, reason);
  if (!rates.vcpu_utilisation.empty()) s.vcpu_utilisation = rates.vcpu_utilisation;
  for (Resource r : kAllResources) {
    if (rates.allocation.known(r)) s.allocation[r] = rates.allocation[r];
  }
}

}  // namespace

SamplerTick Sampler::tick(SteadyTime now) {
  SamplerTick out;
  std::vector<PerfRaw> perf = counters_->read_all();
  const HardwareStatus hw = counters_->hardware_status();
  if (hw.state == HardwareStatus::State::kUnavailable && !hardware_reported_) {
    hardware_reported_ = true;
    out.notices.push_back(notice(SamplerNotice::Severity::kWarning, "hardware", "",
                                 hw.reason + "; software events and resource usage still flow"));
  }
  std::map<std::string, PerfRaw*> perf_by_id;
  for (PerfRaw& p : perf) perf_by_id.emplace(p.instance_id, &p);
  std::map<std::string, DomainStatsRaw> domains;
  SteadyTime domains_at = now;
  bool domains_pending = false;  // a call in flight, not yet late: hold the last rates
  if (domain_stats_) {
    auto collected = domain_stats_->collect();
    domains_pending = collected && collected->pending;
    if (collected && !collected->pending) {
      domains = std::move(collected->domains);
      domains_at = now - collected->age;
      if (std::exchange(domain_stats_failing_, false)) {
        SamplerNotice back = notice(SamplerNotice::Severity::kInfo, "libvirt-stats", "",
                                    "libvirt domain stats available again");
        back.resolved = true;
        out.notices.push_back(std::move(back));
      }
    } else if (!collected) {
      domain_stats_failing_ = true;
      out.notices.push_back(
          notice(SamplerNotice::Severity::kError, "libvirt-stats", "",
                 "libvirt domain stats unavailable: " + collected.error().message()));
    }
  }

  out.samples.reserve(instances_.size());
  for (auto& [id, tracked] : instances_) {
    InstanceRaw cur;
    cur.at = now;
    if (auto p = perf_by_id.find(id); p != perf_by_id.end()) {
      cur.perf = std::move(*p->second);
      if (!cur.perf.gone.empty()) {
        out.notices.push_back(
            notice(SamplerNotice::Severity::kDebug, "threads-gone:" + id, id,
                   std::to_string(cur.perf.gone.size()) + " counted thread(s) exited"));
      }
    }
    cur.usage = usage_.read(tracked.instance);
    std::optional<DomainStatsRaw> domain;
    if (auto d = domains.find(id); d != domains.end()) domain = std::move(d->second);
    if (tracked.previous) {
      Sample s;
      s.instance_id = id;
      s.at = now;
      s.elapsed = now - tracked.previous->at;
      derive_perf_rates(tracked.previous->perf, cur.perf, s.elapsed, s);
      derive_usage_rates(tracked.previous->usage, cur.usage, s.elapsed, s);
      // libvirt counts a VM's CPU, block, network and balloon better than its cgroups do.
      // Its readings carry their own time: one that came a tick late, or after a tick
      // without one, still gives its rates over the time between readings. A tick while a
      // slow call is still in flight keeps the last rates (and the balloon's allocation),
      // so the VM's Samples do not switch sources tick by tick; a failed call drops them.
      if (tracked.domain && domain && domains_at > tracked.domain_at) {
        Sample rates;
        derive_domain_rates(*tracked.domain, *domain, domains_at - tracked.domain_at, rates);
        tracked.domain_rates = std::move(rates);
      } else if (!domains_pending) {
        tracked.domain_rates.reset();
      }
      if (tracked.domain_rates) {
        overlay_domain_rates(*tracked.domain_rates, s);
      } else if (domain_stats_ && tracked.instance.kind == InstanceKind::kVirtualMachine) {
        // A VM's memory is libvirt's (its guest's use, else QEMU's RSS). Its cgroup's usage
        // counts QEMU's own memory and page cache besides: a few such ticks among libvirt's
        // (augurd's first seconds, a slow libvirtd) read as a jump of hundreds of MiB, which
        // skewed a baseline's memory spread to 70-90 MB against a real guest's steady 27 MiB,
        // and a planner would take for need.
        s.mark_missing(Metric::kMemoryBytes,
                       "libvirt domain stats not available: a VM's memory comes from libvirt");
      }
      // What the cgroups do not say (a VM's vCPUs and memory), discovery knew.
      for (Resource r : kAllResources) {
        if (!s.allocation.known(r)) s.allocation[r] = tracked.instance.allocation[r];
      }
      out.samples.push_back(std::move(s));
    }
    tracked.previous = std::move(cur);
    if (domain) {
      tracked.domain = std::move(domain);
      tracked.domain_at = domains_at;
    }
  }

  HostUsageRaw host_now = host_.read();
  if (previous_host_) {
    out.host_utilisation = derive_host_utilisation(previous_host_->second, host_now,
                                                   now - previous_host_->first, capacity_);
  }
  previous_host_.emplace(now, std::move(host_now));
  return out;
}

}  // namespace augur::sampling
