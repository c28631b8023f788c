#pragma once
// Repeated failures are reported once, then at most once per window with how many were
// suppressed in between: a source that fails every tick must not flood the journal.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "augur/util/clock.h"

namespace augur::log {

class RateLimiter {
 public:
  explicit RateLimiter(Nanos window = std::chrono::minutes(5)) : window_(window) {}

  // Whether a failure with this key should be logged now. When it should, `suppressed`
  // (if given) receives how many were held back since the last one logged.
  bool allow(const std::string& key, SteadyTime now, std::uint64_t* suppressed = nullptr);

  // The condition cleared: the next failure with this key is logged at once.
  void clear(const std::string& key) { entries_.erase(key); }

 private:
  struct Entry {
    SteadyTime last_logged;
    std::uint64_t suppressed = 0;
  };
  Nanos window_;
  std::map<std::string, Entry> entries_;
};

}  // namespace augur::log
