#include "augur/actuate/retry_queue.h"

#include <algorithm>

namespace augur::actuate {

Nanos backoff_delay(const RetryPolicy& policy, int failed_attempts) {
  Nanos delay = policy.base;
  for (int i = 1; i < failed_attempts && delay < policy.max; ++i) delay *= 2;
  return std::min(delay, policy.max);
}

void RetryQueue::schedule(PendingChange pending) {
  Key key{pending.change.instance_id, pending.change.resource};
  entries_.insert_or_assign(std::move(key), std::move(pending));
}

bool RetryQueue::cancel(std::string_view instance_id, Resource r) {
  const auto it = entries_.find(Key{std::string(instance_id), r});
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

std::size_t RetryQueue::cancel_instance(std::string_view instance_id) {
  return std::erase_if(entries_, [&](const auto& e) { return e.first.first == instance_id; });
}

std::vector<PendingChange> RetryQueue::take_due(SteadyTime now) {
  std::vector<PendingChange> due;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.next_at <= now) {
      due.push_back(std::move(it->second));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  std::stable_sort(due.begin(), due.end(), [](const PendingChange& a, const PendingChange& b) {
    return a.next_at < b.next_at;
  });
  return due;
}

const PendingChange* RetryQueue::find(std::string_view instance_id, Resource r) const {
  const auto it = entries_.find(Key{std::string(instance_id), r});
  return it == entries_.end() ? nullptr : &it->second;
}

std::optional<SteadyTime> RetryQueue::next_due() const {
  std::optional<SteadyTime> out;
  for (const auto& [key, pending] : entries_) {
    if (!out || pending.next_at < *out) out = pending.next_at;
  }
  return out;
}

}  // namespace augur::actuate
