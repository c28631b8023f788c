#include "augur/daemon/fleet_baselines.h"

#include <algorithm>

#include "augur/drift/baseline_codec.h"

namespace augur::daemon {

namespace {
constexpr std::string_view kTypePrefix = "type:";
}  // namespace

FleetTypeBaselines merge_fleet_types(const std::vector<store::BaselineRecord>& records,
                                     std::string_view own_host) {
  std::vector<const store::BaselineRecord*> picked;
  for (const store::BaselineRecord& r : records) {
    if (!r.key.starts_with(kTypePrefix)) continue;
    if (!own_host.empty() && r.host_id == own_host) continue;
    picked.push_back(&r);
  }
  // Host order, not the store's: the same inputs give the same bits on every host.
  std::sort(picked.begin(), picked.end(), [](const auto* a, const auto* b) {
    return a->key != b->key ? a->key < b->key : a->host_id < b->host_id;
  });
  FleetTypeBaselines out;
  for (const store::BaselineRecord* r : picked) {
    auto b = drift::deserialize(r->payload);
    if (!b) {
      Error e = b.error();
      e.where = r->record_id;
      out.errors.push_back(std::move(e));
      continue;
    }
    const std::string type = r->key.substr(kTypePrefix.size());
    auto it = out.merged.find(type);
    if (it == out.merged.end()) {
      out.merged.emplace(type, std::move(*b));
    } else {
      drift::merge_into(it->second, *b);
    }
    ++out.contributions;
  }
  return out;
}

}  // namespace augur::daemon
