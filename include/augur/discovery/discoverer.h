#pragma once
// Runs every discovery source, merges their instances and says what changed since the last
// run. A failing source keeps its last good answer, so a libvirt restart does not make every
// VM vanish and reappear.
#include <memory>
#include <string>
#include <vector>

#include "augur/core/instance.h"
#include "augur/discovery/source.h"
#include "augur/util/result.h"

namespace augur::discovery {

struct DiscoveryDiff {
  std::vector<Instance> added;
  std::vector<Instance> removed;  // as they were last seen
  std::vector<Instance> changed;  // as they are now
  [[nodiscard]] bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// Pure: instances are matched by id. Changed: same id with different app type, threads,
// cgroups, main pid, vCPU counts, disks, interfaces or allocation (NaN equals NaN).
DiscoveryDiff diff_instances(const std::vector<Instance>& before,
                             const std::vector<Instance>& after);

// Pure: same as the "changed" test of diff_instances.
bool same_instance_state(const Instance& a, const Instance& b);

struct SourceError {
  std::string source;
  Error error;
};

struct DiscoveryRun {
  std::vector<Instance> instances;     // merged, in source order; first source wins a duplicate id
  DiscoveryDiff diff;                  // against the previous run
  std::vector<SourceError> errors;     // sources that failed this run (their last answer kept)
  std::vector<std::string> recovered;  // sources that failed their previous run and answered
};

class Discoverer {
 public:
  void add_source(std::unique_ptr<DiscoverySource> source);
  DiscoveryRun run();
  [[nodiscard]] const std::vector<Instance>& current() const { return current_; }

 private:
  struct Slot {
    std::unique_ptr<DiscoverySource> source;
    std::vector<Instance> last_good;
    bool failing = false;
  };
  std::vector<Slot> slots_;
  std::vector<Instance> current_;
};

}  // namespace augur::discovery
