#pragma once
// The demo's reactive copies: replay's `reactive` policy (the Kubernetes VPA recommender with its
// defaults, EVALUATION.md), fed once a second what the host shows of one cgroup, for one
// resource (CPU or memory). The same code replay scores Augur against, so the demo compares
// against the same policy.
#include <cstddef>
#include <memory>

#include "augur/core/resource.h"

namespace augur::replay {
class Policy;
struct HostModel;
}  // namespace augur::replay

namespace augur::demo {

class VpaController {
 public:
  // `start`: the allocation the copy starts at; `capacity`: the host's (CPUs, or memory
  // bytes).
  VpaController(Resource resource, double start, double capacity);
  ~VpaController();
  VpaController(const VpaController&) = delete;
  VpaController& operator=(const VpaController&) = delete;

  // One second seen: the resource used (cores, or the working set's bytes), the share of the
  // demand left unmet as a fraction of the allocation (EVALUATION.md's pressure, 0..1; for
  // memory, above 0 only for an OOM kill, which VPA answers with a bump) and the allocation
  // in force. Returns the allocation VPA wants from now on (the same value when it leaves it
  // alone).
  double decide(double used, double pressure, double allocation);

 private:
  std::unique_ptr<replay::HostModel> model_;
  std::unique_ptr<replay::Policy> policy_;
  Resource resource_;
  std::size_t tick_ = 0;
};

}  // namespace augur::demo
