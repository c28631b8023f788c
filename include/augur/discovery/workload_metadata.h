#pragma once
// The application type of a libvirt domain, declared in its <metadata> in Augur's namespace:
//
//   <metadata>
//     <augur:workload xmlns:augur="https://augur.dev/xmlns/workload/1" type="database"/>
//   </metadata>
//
// Set it with: virsh metadata DOMAIN https://augur.dev/xmlns/workload/1 --key augur
//              --set '<workload type="database"/>' [--live] [--config]
// virDomainGetMetadata(VIR_DOMAIN_METADATA_ELEMENT, ns) returns the element with the
// namespace stripped ("<workload type=\"database\"/>", seen on libvirt 9.0), so both forms
// are accepted; an element in any other namespace is not ours.
#include <cstddef>
#include <string>
#include <string_view>

#include "augur/util/result.h"

namespace augur::discovery {

inline constexpr std::string_view kDefaultMetadataNamespace = "https://augur.dev/xmlns/workload/1";
// Far above any real element; bounds parser work on hostile input.
inline constexpr std::size_t kMaxMetadataBytes = 64 * 1024;
inline constexpr std::size_t kMaxAppTypeLength = 128;

struct WorkloadMetadata {
  std::string app_type;  // non-empty, [A-Za-z0-9._-], at most kMaxAppTypeLength
  bool operator==(const WorkloadMetadata&) const = default;
};

// Pure: parses one <workload type="..."/> element. No network, no DTD, no entity
// expansion (a document with a DOCTYPE is rejected). Errors name what was wrong.
Result<WorkloadMetadata> parse_workload_metadata(std::string_view xml,
                                                 std::string_view ns = kDefaultMetadataNamespace);

}  // namespace augur::discovery
