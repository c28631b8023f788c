#pragma once
// Instances from libvirt: every active domain with its UUID (the id), name, workload type
// (<metadata>, see workload_metadata.h), vCPU and memory allocation, disks, interfaces and,
// for the QEMU driver, its vCPU threads and cgroups (see qemu_process.h). Drivers without a
// QEMU process (test:///default) give domains with no threads and no cgroups.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/discovery/libvirt_connection.h"
#include "augur/discovery/source.h"
#include "augur/discovery/workload_metadata.h"
#include "augur/util/clock.h"

namespace augur::discovery {

struct LibvirtSourceOptions {
  LibvirtConnectionOptions connection;
  std::string metadata_namespace{kDefaultMetadataNamespace};
  std::string proc_root = "/proc";
  // Where the QEMU driver writes <domain>.pid; not in the config yet (qemu:///system value).
  std::string qemu_runtime_dir = "/run/libvirt/qemu";
};

LibvirtSourceOptions libvirt_source_options(const config::LibvirtSource& libvirt,
                                            const config::SamplingSection& sampling);

class LibvirtSource final : public DiscoverySource {
 public:
  LibvirtSource(LibvirtSourceOptions options, const Clock& clock);
  ~LibvirtSource() override;

  [[nodiscard]] std::string_view name() const override { return "libvirt"; }
  // Active domains. A domain that disappears mid-scan is left out; per-domain problems
  // (unparseable metadata, a QEMU process that cannot be read) leave that part empty and
  // are listed in warnings().
  Result<std::vector<Instance>> discover() override;

  // Per-domain problems of the last discover(), for the daemon to log.
  [[nodiscard]] const std::vector<Error>& warnings() const { return warnings_; }
  [[nodiscard]] const LibvirtConnection& connection() const { return connection_; }

 private:
  LibvirtSourceOptions options_;
  LibvirtConnection connection_;
  std::vector<Error> warnings_;
};

}  // namespace augur::discovery
