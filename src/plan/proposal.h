#pragma once
// A change the planner is considering for one resource of one instance, before the
// capacity pass and the breaker have had their say.
#include <cstddef>
#include <string>

#include "augur/core/resource.h"

namespace augur::plan {

struct Proposal {
  std::size_t instance = 0;
  Resource resource = Resource::kCpu;
  double old_value = 0;
  double target = 0;
  std::string reason;
  std::string clamp;
  double unmet = kUnknown;
  bool dropped = false;  // cut by capacity or the breaker: not emitted

  [[nodiscard]] int direction() const { return target > old_value ? 1 : -1; }
};

}  // namespace augur::plan
