#pragma once
// The decision record: one structured journald record per planned change, with everything
// an operator needs to judge it (DESIGN.md: every change is explained).
#include <string>
#include <string_view>

#include "augur/core/decisions.h"

namespace augur::daemon {

// What became of a change: "applied", "would-apply" (observe), "advised", "refused",
// "failed", "unsupported". `read_back` NaN when nothing was read.
struct ChangeOutcome {
  std::string outcome;
  std::string backend;
  double read_back = kUnknown;
  std::string error;
};

void log_change(const Plan& plan, const Change& change, Mode mode, std::string_view instance_name,
                const ChangeOutcome& outcome);

}  // namespace augur::daemon
