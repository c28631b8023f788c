#pragma once
// Failed changes waiting for their next attempt, keyed by (instance, resource): at most one
// per key, so a newer plan for the same key replaces the waiting one. Times come from the
// caller's Clock; nothing here sleeps.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/instance.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::actuate {

struct RetryPolicy {
  Nanos base = std::chrono::seconds(5);  // wait after the first failure
  Nanos max = std::chrono::minutes(5);   // cap on the doubling wait
  int max_attempts = 6;                  // attempts in all, the first included; then give up
};

// The wait after `failed_attempts` (>= 1) failures: base * 2^(failed_attempts - 1), capped
// at max.
Nanos backoff_delay(const RetryPolicy& policy, int failed_attempts);

struct PendingChange {
  Change change;
  Instance instance;  // as the plan saw it, for the backend
  int attempts_made = 0;
  SteadyTime next_at{};
  Error last_error;
};

class RetryQueue {
 public:
  // Adds or replaces the entry for (change.instance_id, change.resource).
  void schedule(PendingChange pending);
  // Drops the entry for the key; true when there was one.
  bool cancel(std::string_view instance_id, Resource r);
  // Drops every entry of the instance; how many.
  std::size_t cancel_instance(std::string_view instance_id);
  void clear() { entries_.clear(); }

  // Removes and returns the entries due at `now`, earliest first.
  std::vector<PendingChange> take_due(SteadyTime now);

  [[nodiscard]] const PendingChange* find(std::string_view instance_id, Resource r) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  // When the earliest entry is due; nullopt when empty (for the actuator thread's wake-up).
  [[nodiscard]] std::optional<SteadyTime> next_due() const;

 private:
  using Key = std::pair<std::string, Resource>;
  std::map<Key, PendingChange, std::less<>> entries_;
};

}  // namespace augur::actuate
