#pragma once
// One bulk libvirt call per tick for every active domain (virConnectGetAllDomainStats with
// STATE, CPU_TOTAL, BALLOON, VCPU, INTERFACE and BLOCK), over a connection kept open and
// reopened with backoff.
#include <string>
#include <vector>

#include "augur/discovery/libvirt_connection.h"
#include "augur/sampling/libvirt/domain_stats.h"
#include "augur/util/clock.h"
#include "augur/util/result.h"

namespace augur::sampling {

struct DomainStatsRecord {
  std::string uuid;  // the Instance id
  std::string name;
  DomainStatsRaw raw;
};

class DomainStatsCollector {
 public:
  DomainStatsCollector(discovery::LibvirtConnectionOptions options, const Clock& clock);
  // Error when the connection or the call fails; a record that does not parse is skipped and
  // counted in skipped_records().
  Result<std::vector<DomainStatsRecord>> collect();
  [[nodiscard]] int skipped_records() const { return skipped_; }

 private:
  discovery::LibvirtConnection connection_;
  int skipped_ = 0;
};

}  // namespace augur::sampling
