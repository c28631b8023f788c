#pragma once
// The demo's reactive copy: replay's `reactive` policy (the Kubernetes VPA recommender with its
// defaults, EVALUATION.md), fed once a second what the host shows of one cgroup. The same code
// replay scores Augur against, so the demo compares against the same policy.
#include <cstddef>
#include <memory>

namespace augur::replay {
class Policy;
struct HostModel;
}  // namespace augur::replay

namespace augur::demo {

class VpaController {
 public:
  // `start_cores`: the allocation the copy starts at; `host_cores`: the host's CPUs.
  VpaController(double start_cores, double host_cores);
  ~VpaController();
  VpaController(const VpaController&) = delete;
  VpaController& operator=(const VpaController&) = delete;

  // One second seen: CPU used (cores), the share of the demand left unmet as a fraction of
  // the quota (EVALUATION.md's pressure, 0..1) and the quota in force. Returns the quota VPA
  // wants from now on (the same value when it leaves it alone).
  double decide(double used_cores, double pressure, double quota_cores);

 private:
  std::unique_ptr<replay::HostModel> model_;
  std::unique_ptr<replay::Policy> policy_;
  std::size_t tick_ = 0;
};

}  // namespace augur::demo
