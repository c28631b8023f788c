#pragma once
// One way of changing an instance's allocation: libvirt, cgroup v2, cgroup v1 or traffic
// control. The actuator picks a backend per instance and resource, re-checks bounds, and
// calls read/apply; a backend only translates a value in the resource's unit (CPU cores,
// memory bytes, disk and network bytes/s; see core/resource.h) into its own knobs and back.
// Backends never log and never decide; they are not required to be thread-safe (the
// actuator thread owns them).
#include <optional>
#include <string>
#include <string_view>

#include "augur/core/instance.h"
#include "augur/core/resource.h"
#include "augur/util/result.h"

namespace augur::actuate {

class Backend {
 public:
  virtual ~Backend() = default;

  // "libvirt", "cgroup-v2", "cgroup-v1", "tc": for logs and the decision record.
  [[nodiscard]] virtual std::string_view name() const = 0;

  // Empty when this backend can change `r` of `instance`; otherwise the reason it cannot
  // (e.g. "no writable cpu controller", "sch_tbf not available on this kernel"), said once
  // by the caller, never retried.
  [[nodiscard]] virtual std::optional<std::string> unsupported(const Instance& instance,
                                                               Resource r) const = 0;

  // The allocation of `r` in force now, in the resource's unit; NaN when unlimited.
  virtual Result<double> read(const Instance& instance, Resource r) = 0;

  // Writes `value` (already bounded by the caller; NaN: remove the limit) and returns the
  // value read back after the write. Errors carry errno where there is one; the caller
  // retries with backoff.
  virtual Result<double> apply(const Instance& instance, Resource r, double value) = 0;
};

}  // namespace augur::actuate
