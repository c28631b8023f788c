#pragma once
// Records the fault tests write: about a kilobyte each, so a small tmpfs fills in a few dozen.
#include <string>

#include "augur/store/records.h"

namespace augur::testing::faults {

inline store::ChangeRecord change(const std::string& reason) {
  store::ChangeRecord c;
  c.instance_id = "vm-1";
  c.resource = Resource::kCpu;
  c.old_value = 1;
  c.new_value = 2;
  c.mode = Mode::kEnforce;
  c.reason = reason + std::string(1000, '.');
  c.unix_ms = 1764300000000;
  return c;
}

}  // namespace augur::testing::faults
