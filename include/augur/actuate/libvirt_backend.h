#pragma once
// Changes a virtual machine's allocation through libvirt, live (VIR_DOMAIN_AFFECT_LIVE):
//   cpu     scheduler vcpu_quota/vcpu_period (usec per vCPU), else global_quota/global_period;
//           drivers without quota parameters (the test driver has only "weight") fall back to
//           the vCPU count, rounded up, within the domain's live maximum.
//   memory  balloon target (virDomainSetMemoryFlags, KiB) within the domain's max memory.
//   disk    QEMU's block I/O throttle (blkdeviotune total_bytes_sec), the value split evenly
//           over Instance::disks; and, given BlkioCgroups, the domain's blkiotune per host
//           block device under those disks (read and write each the sum of its disks'
//           shares), which libvirt writes into the domain's cgroup: verified through libvirt
//           and the cgroup files (libvirt_blkio.h). The read-back is QEMU's throttle.
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
#include "augur/host/cgroup_layout.h"
#include "augur/util/result.h"

struct _virConnect;  // libvirt's virConnectPtr is _virConnect*

namespace augur::discovery {
class LibvirtConnection;
}

namespace augur::actuate {

// Where the host's cgroup files and sysfs are, for the cgroup side of disk (above).
struct BlkioCgroups {
  host::CgroupLayout layout;
  std::string fs_root;  // prefixes mount points ("" on the host, a fixture in tests)
  std::string sys_root = "/sys";
};

class LibvirtBackend final : public Backend {
 public:
  // An open read-write connection, or why there is none. Called before every operation; the
  // backend never closes what it gets.
  using ConnectionGetter = std::function<Result<_virConnect*>()>;
  // Called after a libvirt call failed, so a dead connection can be reopened next time.
  using FailureHook = std::function<void()>;

  explicit LibvirtBackend(ConnectionGetter get_connection, FailureHook on_failure = {},
                          std::optional<BlkioCgroups> blkio = std::nullopt);
  // Uses get() and check_after_failure() of a connection opened with read_only = false.
  explicit LibvirtBackend(discovery::LibvirtConnection& connection,
                          std::optional<BlkioCgroups> blkio = std::nullopt);

  [[nodiscard]] std::string_view name() const override { return "libvirt"; }
  [[nodiscard]] std::optional<std::string> unsupported(const Instance& instance,
                                                       Resource r) const override;
  Result<double> read(const Instance& instance, Resource r) override;
  Result<double> apply(const Instance& instance, Resource r, double value) override;

 private:
  ConnectionGetter get_connection_;
  FailureHook on_failure_;
  std::optional<BlkioCgroups> blkio_;
};

}  // namespace augur::actuate
