#pragma once
// The actuator thread's stage: plans in, changes written through the backends of
// src/actuate (libvirt for VMs, cgroup v2 or v1, tc for container network) in enforce mode,
// every change logged as one decision record and published for augurctl; failed writes
// retried with backoff when the thread is idle; vanished instances forgotten.
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "augur/actuate/actuator.h"
#include "augur/config/config.h"
#include "augur/daemon/daemon_view.h"
#include "augur/daemon/pending_store_writes.h"
#include "augur/daemon/pipeline.h"
#include "augur/discovery/libvirt_connection.h"
#include "augur/store/store.h"
#include "augur/util/bounded_queue.h"

namespace augur::daemon {

class BackendActuatorStage final : public ActuatorStage {
 public:
  // Backends that cannot start (no cgroup mount, libvirt disabled) are left out with a
  // log line; changes they would have made are reported unsupported.
  // `store` (may be null) keeps the audit trail: one ChangeRecord per applied change.
  BackendActuatorStage(const config::Config& config, const Clock& clock, DaemonView* view,
                       bool restore_on_stop, std::shared_ptr<store::Store> store = nullptr);
  ~BackendActuatorStage() override;

  void apply(const PlanBatch& batch, Mode mode) override;
  void idle(Mode mode) override;
  void stop() override;
  void set_restore_on_stop(bool restore) override { restore_on_stop_.store(restore); }
  void set_plan(const config::PlanSection& plan) override;

  [[nodiscard]] const actuate::Actuator& actuator() const { return actuator_; }

 private:
  void refresh(const std::vector<Instance>& instances);
  void take_reloaded_plan();
  void report(const actuate::ApplyRecord& r, const Plan* plan);
  void record(const actuate::ApplyRecord& r, std::int64_t unix_ms);

  std::unique_ptr<discovery::LibvirtConnection> libvirt_;
  actuate::Actuator actuator_;
  DaemonView* view_;
  std::shared_ptr<store::Store> store_;
  PendingStoreWrites pending_{"actuator"};  // changes the store refused, written later
  std::atomic<bool> restore_on_stop_;       // a reload may change it
  std::map<std::string, Instance, std::less<>> instances_;
  // A reload's plan section, from the main thread; one slot: a later reload replaces it.
  BoundedQueue<config::PlanSection> reloaded_plan_{1};
};

// The backends this host offers, for the daemon and `augurd --demo`.
actuate::Backends make_backends(const config::Config& config, const Clock& clock,
                                std::unique_ptr<discovery::LibvirtConnection>& libvirt);

}  // namespace augur::daemon
