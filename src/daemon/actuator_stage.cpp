#include "actuator_stage.h"

#include <chrono>

#include "augur/actuate/cgroup_v1_backend.h"
#include "augur/actuate/cgroup_v2_backend.h"
#include "augur/actuate/libvirt_backend.h"
#include "augur/actuate/tc_backend.h"
#include "augur/host/cgroup_layout.h"
#include "augur/log/log.h"
#include "decision_record.h"

namespace augur::daemon {

namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string outcome_text(const actuate::ApplyRecord& r) {
  if (r.outcome == actuate::Outcome::kSkippedMode) {
    return r.mode == Mode::kAdvise ? "advised" : "would-apply";
  }
  std::string s(actuate::outcome_name(r.outcome));
  if (r.outcome == actuate::Outcome::kFailed) s += r.gave_up ? " (gave up)" : " (will retry)";
  return s;
}

}  // namespace

actuate::Backends make_backends(const config::Config& config, const Clock& clock,
                                std::unique_ptr<discovery::LibvirtConnection>& libvirt) {
  actuate::Backends b;
  const std::string& proc_root = config.sampling.proc_root;
  const std::string& cgroup_root = config.sampling.cgroup_root;
  if (auto v1 = actuate::CgroupV1Backend::from_host({}, proc_root, cgroup_root)) {
    b.cgroup_v1 = std::make_unique<actuate::CgroupV1Backend>(std::move(v1).value());
  } else {
    log::info("cgroup v1 actuation unavailable: {}", v1.error().message());
  }
  std::optional<actuate::BlkioCgroups> blkio;
  if (auto layout = host::read_cgroup_layout(proc_root, cgroup_root)) {
    blkio = actuate::BlkioCgroups{*layout, "", "/sys"};
    if (auto v2 = actuate::CgroupV2Backend::from_layout(*layout)) {
      b.cgroup_v2 = std::make_unique<actuate::CgroupV2Backend>(std::move(v2).value());
    } else {
      log::info("cgroup v2 actuation unavailable: {}", v2.error().message());
    }
  }
  b.tc = std::make_unique<actuate::TcBackend>();
  const config::LibvirtSource& lv = config.discovery.libvirt;
  if (lv.enabled) {
    discovery::LibvirtConnectionOptions o;
    o.uri = lv.uri;
    o.keepalive_interval = lv.keepalive_interval;
    o.keepalive_count = lv.keepalive_count;
    o.read_only = false;  // actuation writes
    libvirt = std::make_unique<discovery::LibvirtConnection>(o, clock);
    b.libvirt = std::make_unique<actuate::LibvirtBackend>(*libvirt, std::move(blkio));
  }
  return b;
}

BackendActuatorStage::BackendActuatorStage(const config::Config& config, const Clock& clock,
                                           DaemonView* view, bool restore_on_stop,
                                           std::shared_ptr<store::Store> store)
    : actuator_(make_backends(config, clock, libvirt_), config.plan, clock),
      view_(view),
      store_(std::move(store)),
      restore_on_stop_(restore_on_stop) {}

BackendActuatorStage::~BackendActuatorStage() {
  if (!store_) return;
  pending_.retry(*store_);  // a last try for what a full disk held back
  if (pending_.waiting() > 0) {
    log::error("actuator: {} changes not recorded in the store at stop: it still refuses them",
               pending_.waiting());
  }
}

void BackendActuatorStage::refresh(const std::vector<Instance>& instances) {
  std::map<std::string, Instance, std::less<>> next;
  for (const Instance& i : instances) next.emplace(i.id, i);
  for (const auto& [id, old] : instances_) {
    if (next.count(id) > 0) continue;
    if (const std::size_t cancelled = actuator_.forget(id); cancelled > 0) {
      log::write(log::Level::kInfo,
                 "instance vanished: " + std::to_string(cancelled) + " pending change(s) cancelled",
                 {{"INSTANCE_ID", id}, {"INSTANCE", old.name}});
    }
  }
  instances_ = std::move(next);
}

void BackendActuatorStage::set_plan(const config::PlanSection& plan) {
  reloaded_plan_.push(plan);
}

void BackendActuatorStage::take_reloaded_plan() {
  if (auto plan = reloaded_plan_.try_pop()) actuator_.set_bounds(*plan);
}

void BackendActuatorStage::apply(const PlanBatch& batch, Mode mode) {
  take_reloaded_plan();
  if (store_) pending_.retry(*store_);  // changes a full disk held back, before new ones
  if (batch.instances) refresh(*batch.instances);
  for (const Plan& plan : batch.plans) {
    const auto it = instances_.find(plan.instance_id);
    if (it == instances_.end()) {
      log::write(log::Level::kInfo, "instance vanished before its changes: dropped",
                 {{"INSTANCE_ID", plan.instance_id}});
      continue;
    }
    for (const actuate::ApplyRecord& r : actuator_.apply(plan, it->second, mode)) report(r, &plan);
  }
}

void BackendActuatorStage::idle(Mode mode) {
  take_reloaded_plan();
  if (store_) pending_.retry(*store_);
  if (actuator_.pending_retries() == 0) return;
  for (const actuate::ApplyRecord& r : actuator_.retry_due(mode)) report(r, nullptr);
}

void BackendActuatorStage::stop() {
  if (!restore_on_stop_.load()) return;
  for (const actuate::ApplyRecord& r : actuator_.restore_all()) report(r, nullptr);
}

void BackendActuatorStage::report(const actuate::ApplyRecord& r, const Plan* plan) {
  const auto it = instances_.find(r.instance_id);
  const std::string name = it != instances_.end() ? it->second.name : r.instance_id;
  Change c;
  c.instance_id = r.instance_id;
  c.resource = r.resource;
  c.old_value = r.old_value;
  c.new_value = r.new_value;
  c.reason = r.reason;
  c.clamp = r.clamp;
  const ChangeOutcome outcome{outcome_text(r), r.backend, r.read_back,
                              r.error ? r.error->message() : std::string()};
  log_change(plan ? *plan : Plan{}, c, r.mode, name, outcome);
  const std::int64_t now_ms = unix_ms_now();
  record(r, now_ms);
  if (!view_) return;
  ChangeView v;
  v.unix_ms = now_ms;
  v.instance_id = r.instance_id;
  v.instance = name;
  v.resource = std::string(resource_name(r.resource));
  v.old_value = r.old_value;
  v.new_value = r.new_value;
  v.read_back = r.read_back;
  v.reason = r.reason;
  v.clamp = r.clamp;
  v.outcome = outcome.outcome;
  v.mode = std::string(mode_name(r.mode));
  v.error = outcome.error;
  view_->record_change(std::move(v));
}

// The audit trail in the store: what was written to an instance (applied, read back). A
// store write that fails waits in pending_ and is written when the store recovers; the
// change itself stands.
void BackendActuatorStage::record(const actuate::ApplyRecord& r, std::int64_t unix_ms) {
  if (!store_ || r.outcome != actuate::Outcome::kApplied) return;
  store::ChangeRecord c;
  c.instance_id = r.instance_id;
  c.resource = r.resource;
  c.old_value = r.old_value;
  c.new_value = r.new_value;
  c.mode = r.mode;
  c.reason = r.reason;
  c.unix_ms = unix_ms;
  pending_.submit(*store_, PendingStoreWrites::append(std::move(c), &store::Store::append_change),
                  "change of " + r.instance_id);
}

}  // namespace augur::daemon
