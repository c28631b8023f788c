#include "augur/log/rate_limited.h"

namespace augur::log {

bool RateLimiter::allow(const std::string& key, SteadyTime now, std::uint64_t* suppressed) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(key, Entry{now, 0});
    if (suppressed) *suppressed = 0;
    return true;
  }
  if (now - it->second.last_logged >= window_) {
    if (suppressed) *suppressed = it->second.suppressed;
    it->second = Entry{now, 0};
    return true;
  }
  ++it->second.suppressed;
  return false;
}

}  // namespace augur::log
