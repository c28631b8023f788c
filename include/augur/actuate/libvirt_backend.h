#pragma once
// Changes a virtual machine's allocation through libvirt, live (VIR_DOMAIN_AFFECT_LIVE):
//   cpu     scheduler vcpu_quota/vcpu_period (usec per vCPU), else global_quota/global_period;
//           drivers without quota parameters (the test driver has only "weight") fall back to
//           the vCPU count, rounded up, within the domain's live maximum.
//   memory  balloon target (virDomainSetMemoryFlags, KiB) within the domain's max memory.
//   disk    block I/O tune total_bytes_sec, the value split evenly over Instance::disks.
//   network interface bandwidth inbound/outbound average (KiB/s), each direction set to the
//           value split evenly over Instance::interfaces.
// libvirt headers stay out: the connection is libvirt's opaque struct, forward-declared.
// Errors: errno_value classifies the libvirt error: ENOTCONN / ETIMEDOUT (connection or RPC
// trouble: retry), ENOENT (no such domain: the instance is gone), EINVAL (out of range or
// rejected argument), EOPNOTSUPP (the driver lacks the call), EIO for anything else.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "augur/actuate/backend.h"
#include "augur/util/result.h"

struct _virConnect;  // libvirt's virConnectPtr is _virConnect*

namespace augur::discovery {
class LibvirtConnection;
}

namespace augur::actuate {

class LibvirtBackend final : public Backend {
 public:
  // An open read-write connection, or why there is none. Called before every operation; the
  // backend never closes what it gets.
  using ConnectionGetter = std::function<Result<_virConnect*>()>;
  // Called after a libvirt call failed, so a dead connection can be reopened next time.
  using FailureHook = std::function<void()>;

  explicit LibvirtBackend(ConnectionGetter get_connection, FailureHook on_failure = {});
  // Uses get() and check_after_failure() of a connection opened with read_only = false.
  explicit LibvirtBackend(discovery::LibvirtConnection& connection);

  [[nodiscard]] std::string_view name() const override { return "libvirt"; }
  [[nodiscard]] std::optional<std::string> unsupported(const Instance& instance,
                                                       Resource r) const override;
  Result<double> read(const Instance& instance, Resource r) override;
  Result<double> apply(const Instance& instance, Resource r, double value) override;

 private:
  ConnectionGetter get_connection_;
  FailureHook on_failure_;
};

}  // namespace augur::actuate
