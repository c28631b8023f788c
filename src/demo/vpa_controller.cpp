#include "vpa_controller.h"

#include <chrono>
#include <span>
#include <vector>

#include "augur/replay/host.h"
#include "augur/replay/policy.h"
#include "augur/replay/vpa.h"

namespace augur::demo {

VpaController::VpaController(Resource resource, double start, double capacity)
    : model_(std::make_unique<replay::HostModel>()),
      policy_(replay::vpa::make_reactive_policy()),
      resource_(resource) {
  replay::HostModel& m = *model_;
  m.trace = "augurd --demo";
  m.format = "demo";
  m.step = std::chrono::seconds(1);
  m.floor[Resource::kCpu] = replay::kFloorCpuCores;
  m.floor[Resource::kMemory] = replay::kFloorMemoryBytes;
  m.capacity[resource] = capacity;
  replay::HostInstance copy;
  copy.id = "reactive";
  copy.first_tick = 0;
  copy.last_tick = static_cast<std::size_t>(-1) / 2;  // lives as long as the demo
  copy.simulated.set(static_cast<std::size_t>(resource));
  copy.initial[resource] = start;
  m.instances.push_back(std::move(copy));
  m.ticks = m.instances.front().last_tick + 1;
  // start() only reads ids, floors and capacity: it cannot fail on this model.
  (void)policy_->start(m);
}

VpaController::~VpaController() = default;

double VpaController::decide(double used, double pressure, double allocation) {
  replay::Observation seen;
  seen.present = true;
  seen.usage[resource_] = used;
  seen.pressure[resource_] = pressure;
  seen.allocation[resource_] = allocation;
  const std::uint8_t live = 1;
  const std::uint8_t starting = tick_ == 0 ? 1 : 0;
  replay::StepContext step;
  step.tick = tick_;
  step.time_s = model_->time_s(tick_);
  step.observed = std::span<const replay::Observation>(&seen, 1);
  step.live = std::span<const std::uint8_t>(&live, 1);
  step.starting = std::span<const std::uint8_t>(&starting, 1);
  ResourceVector decided;
  decided[resource_] = allocation;
  policy_->decide(step, std::span<ResourceVector>(&decided, 1));
  ++tick_;
  return decided[resource_];
}

}  // namespace augur::demo
