#include "vpa_controller.h"

#include <chrono>
#include <span>
#include <vector>

#include "augur/replay/host.h"
#include "augur/replay/policy.h"
#include "augur/replay/vpa.h"

namespace augur::demo {

namespace {
constexpr std::size_t kCpu = static_cast<std::size_t>(Resource::kCpu);
}

VpaController::VpaController(double start_cores, double host_cores)
    : model_(std::make_unique<replay::HostModel>()), policy_(replay::vpa::make_reactive_policy()) {
  replay::HostModel& m = *model_;
  m.trace = "augurd --demo";
  m.format = "demo";
  m.step = std::chrono::seconds(1);
  m.floor[Resource::kCpu] = replay::kFloorCpuCores;
  m.capacity[Resource::kCpu] = host_cores;
  replay::HostInstance web;
  web.id = "reactive-web";
  web.first_tick = 0;
  web.last_tick = static_cast<std::size_t>(-1) / 2;  // lives as long as the demo
  web.simulated.set(kCpu);
  web.initial[Resource::kCpu] = start_cores;
  m.instances.push_back(std::move(web));
  m.ticks = m.instances.front().last_tick + 1;
  // start() only reads ids, floors and capacity: it cannot fail on this model.
  (void)policy_->start(m);
}

VpaController::~VpaController() = default;

double VpaController::decide(double used_cores, double pressure, double quota_cores) {
  replay::Observation seen;
  seen.present = true;
  seen.usage[Resource::kCpu] = used_cores;
  seen.pressure[Resource::kCpu] = pressure;
  seen.allocation[Resource::kCpu] = quota_cores;
  const std::uint8_t live = 1;
  const std::uint8_t starting = tick_ == 0 ? 1 : 0;
  replay::StepContext step;
  step.tick = tick_;
  step.time_s = model_->time_s(tick_);
  step.observed = std::span<const replay::Observation>(&seen, 1);
  step.live = std::span<const std::uint8_t>(&live, 1);
  step.starting = std::span<const std::uint8_t>(&starting, 1);
  ResourceVector allocation;
  allocation[Resource::kCpu] = quota_cores;
  policy_->decide(step, std::span<ResourceVector>(&allocation, 1));
  ++tick_;
  return allocation[Resource::kCpu];
}

}  // namespace augur::demo
