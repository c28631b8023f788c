#pragma once
// The fleet's type baselines: every host stores its own contribution to each application
// type ("type:<app>" under its host id); a host judges a type by the merge of every other
// host's contribution with its own (drift::BaselineSet's fleet view). In a fleet cache the
// other hosts arrive already merged, one row per type under store::kFleetOthersHostId (the
// shared store's aggregate minus this host), which this merge takes as one more host.
//
// The merge is order-independent: contributions are merged in host-id order whatever order
// the store returns them in, and the moment merge (Chan et al.) equals the pooled moments up
// to rounding, so the fleet baseline equals one learned from every host's windows at once.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "augur/drift/baseline.h"
#include "augur/store/records.h"
#include "augur/util/result.h"

namespace augur::daemon {

struct FleetTypeBaselines {
  std::map<std::string, drift::Baseline, std::less<>> merged;  // per type
  std::size_t contributions = 0;                               // host baselines merged
  std::vector<Error> errors;                                   // undecodable records (skipped)
};

// Merges the type baselines of every host except `own_host` (empty: every host).
[[nodiscard]] FleetTypeBaselines merge_fleet_types(
    const std::vector<store::BaselineRecord>& records, std::string_view own_host);

}  // namespace augur::daemon
