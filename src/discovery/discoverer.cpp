#include "augur/discovery/discoverer.h"

#include <unordered_set>
#include <utility>

namespace augur::discovery {

void Discoverer::add_source(std::unique_ptr<DiscoverySource> source) {
  slots_.push_back(Slot{std::move(source), {}});
}

DiscoveryRun Discoverer::run() {
  DiscoveryRun result;
  std::unordered_set<std::string> seen;
  for (auto& slot : slots_) {
    auto found = slot.source->discover();
    if (found) {
      slot.last_good = std::move(*found);
      if (std::exchange(slot.failing, false)) result.recovered.emplace_back(slot.source->name());
    } else {
      slot.failing = true;
      result.errors.push_back(SourceError{std::string(slot.source->name()), found.error()});
    }
    for (const auto& inst : slot.last_good) {
      if (seen.insert(inst.id).second) result.instances.push_back(inst);
    }
  }
  result.diff = diff_instances(current_, result.instances);
  current_ = result.instances;
  return result;
}

}  // namespace augur::discovery
