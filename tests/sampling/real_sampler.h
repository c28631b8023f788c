#pragma once
// The Sampler as the daemon builds it for this host (daemon/host_sampling.cpp), from parts:
// the default events through libpfm4 (hardware ones fall back here), real cgroup and procfs
// readers, no libvirt.
#include <memory>

#include "augur/host/cgroup_layout.h"
#include "augur/sampling/perf/event.h"
#include "augur/sampling/perf/thread_counter_set.h"
#include "augur/sampling/sampler.h"

namespace augur::testing {

inline std::unique_ptr<sampling::Sampler> make_real_sampler(const host::CgroupLayout& layout) {
  auto events = sampling::encode_events(sampling::default_event_names());
  if (!events) return nullptr;
  return std::make_unique<sampling::Sampler>(
      std::make_unique<sampling::ThreadCounterSet>(std::move(events).value()), layout,
      sampling::UsageReader(layout), sampling::HostUsageReader(),
      sampling::read_host_capacity("/proc", "/sys", {}));
}

}  // namespace augur::testing
