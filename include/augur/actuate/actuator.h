#pragma once
// The actuator core: takes a Plan for one instance and, per Change, re-checks the bounds,
// picks the backend (backend_chooser.h), writes in enforce mode only, reads back, and
// returns one ApplyRecord per change for the daemon to log and count. It never logs, never
// sleeps and never throws: a failed write is retried on later calls after an exponential
// backoff (retry_due()), while every other change goes on.
//
// Not thread-safe: the actuator thread owns it (and its backends).
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "augur/actuate/backend_chooser.h"
#include "augur/actuate/retry_queue.h"
#include "augur/config/config.h"
#include "augur/core/decisions.h"
#include "augur/core/instance.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::actuate {

enum class Outcome {
  kApplied,      // written and read back
  kRefused,      // outside the bounds: nothing written (`clamp` says which bound)
  kFailed,       // the backend failed or the read-back differs; retried unless given up
  kUnsupported,  // no backend can change this resource of this instance (`error.what` says why)
  kSkippedMode,  // observe or advise: nothing written
};
// "applied", "refused", "failed", "unsupported", "skipped-mode".
std::string_view outcome_name(Outcome o);

struct ApplyRecord {
  std::string instance_id;
  Resource resource = Resource::kCpu;
  double old_value = kUnknown;  // read just before the write; the plan's old value otherwise
  double new_value = kUnknown;  // asked for (NaN: no limit)
  double read_back = kUnknown;  // after the write; NaN when unlimited or nothing was written
  std::string backend;          // "cgroup-v1", ...; empty when none was chosen
  Mode mode = Mode::kObserve;
  Outcome outcome = Outcome::kSkippedMode;
  std::string reason;  // the change's reason ("prediction", "undo", "restore", ...)
  std::string clamp;   // the planner's clamp, or the bound that refused the change
  std::optional<Error> error;
  int attempt = 1;                       // 1 for the first try of a change
  std::optional<SteadyTime> next_retry;  // set when a failed change will be tried again
  bool gave_up = false;                  // failed on its last allowed attempt
};

struct ActuatorOptions {
  RetryPolicy retry;
  // A read-back within this fraction of the value (or within the resource's granularity:
  // 1e-4 cores, 64 KiB, 1 byte/s) counts as applied: the kernel rounds (pages, µs).
  double read_back_tolerance = 0.01;
};

class Actuator {
 public:
  // `clock` must outlive the actuator.
  Actuator(Backends backends, config::PlanSection bounds, const Clock& clock,
           ActuatorOptions options = {});

  // New bounds (config reload); pending retries are re-checked against them.
  void set_bounds(const config::PlanSection& bounds) { bounds_ = bounds; }

  // Applies the plan's changes for `instance` (its id is the plan's). A change replaces a
  // pending retry of the same (instance, resource). Only kEnforce writes.
  std::vector<ApplyRecord> apply(const Plan& plan, const Instance& instance, Mode mode);

  // Tries again the failed changes whose backoff has passed. In observe or advise mode they
  // are dropped (skipped-mode records): nothing is written outside enforce.
  std::vector<ApplyRecord> retry_due(Mode mode);

  // The instance vanished: cancels its pending retries and forgets its originals and
  // backend choices. Returns how many pending changes were cancelled.
  std::size_t forget(std::string_view instance_id);

  // Clean shutdown: cancels every pending retry and writes back, once, the first value read
  // of each (instance, resource) this actuator changed. Not bounds-checked (the original
  // was the operator's). One record per restore, reason "restore".
  std::vector<ApplyRecord> restore_all();

  [[nodiscard]] std::size_t pending_retries() const { return retries_.size(); }
  [[nodiscard]] const RetryQueue& retries() const { return retries_; }
  // When retry_due() next has work; nullopt when nothing is pending.
  [[nodiscard]] std::optional<SteadyTime> next_retry_at() const { return retries_.next_due(); }
  // The original value remembered for restore, if this actuator changed (instance, r).
  [[nodiscard]] std::optional<double> original(std::string_view instance_id, Resource r) const;

 private:
  using Key = std::pair<std::string, Resource>;
  struct Original {
    Instance instance;
    double value = kUnknown;
  };

  ApplyRecord attempt(const Change& change, const Instance& instance, Mode mode,
                      int attempt_number);
  const BackendChoice& choice_for(const Instance& instance, Resource r);
  bool read_back_matches(Resource r, double wanted, double got) const;

  Backends backends_;
  config::PlanSection bounds_;
  const Clock& clock_;
  ActuatorOptions options_;
  RetryQueue retries_;
  // Said once per key: a backend's unsupported() is not asked again until forget().
  std::map<Key, BackendChoice, std::less<>> choices_;
  std::map<Key, Original, std::less<>> originals_;
};

}  // namespace augur::actuate
