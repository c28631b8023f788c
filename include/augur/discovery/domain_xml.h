#pragma once
// What discovery takes from a libvirt domain XML (virDomainGetXMLDesc).
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::discovery {

struct DomainDevices {
  std::vector<std::string> disks;  // <disk device="disk|lun"><target dev="vda"/>, in order
  // Each disk's host-side <source file=...> or <source dev=...>, same order as disks; "" for
  // other sources (network, volume) and none.
  std::vector<std::string> disk_sources;
  std::vector<std::string> interfaces;  // <interface><target dev="vnet0"/>, in order
  bool operator==(const DomainDevices&) const = default;
};

// Pure: parses /domain/devices. CD-ROMs and floppies are not disks Augur tunes; devices
// without a target dev (an inactive domain's interfaces) are skipped. Same XML hardening as
// parse_workload_metadata; documents above kMaxDomainXmlBytes are rejected.
inline constexpr std::size_t kMaxDomainXmlBytes = 4 * 1024 * 1024;
Result<DomainDevices> parse_domain_devices(std::string_view xml);

}  // namespace augur::discovery
