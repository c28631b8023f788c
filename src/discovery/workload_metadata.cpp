#include "augur/discovery/workload_metadata.h"

#include <string>

#include "xml_document.h"

namespace augur::discovery {
namespace {

constexpr std::string_view kWhat = "workload metadata";

bool valid_app_type_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

Result<WorkloadMetadata> parse_workload_metadata(std::string_view xml, std::string_view ns) {
  auto doc = detail::parse_xml(xml, kWhat, kMaxMetadataBytes);
  if (!doc) return std::move(doc).error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!detail::is_element(root, "workload")) {
    return Error{"root element is not <workload>", std::string(kWhat)};
  }
  // No namespace: libvirt already selected the element by our namespace URI and stripped it.
  if (root->ns != nullptr && root->ns->href != nullptr &&
      std::string_view(reinterpret_cast<const char*>(root->ns->href)) != ns) {
    return Error{"<workload> in namespace '" +
                     std::string(reinterpret_cast<const char*>(root->ns->href)) + "', not '" +
                     std::string(ns) + "'",
                 std::string(kWhat)};
  }
  WorkloadMetadata out;
  if (!detail::attribute(root, "type", out.app_type)) {
    return Error{"<workload> has no type attribute", std::string(kWhat)};
  }
  if (out.app_type.empty() || out.app_type.size() > kMaxAppTypeLength) {
    return Error{"type must have 1.." + std::to_string(kMaxAppTypeLength) + " characters",
                 std::string(kWhat)};
  }
  for (char c : out.app_type) {
    if (!valid_app_type_char(c)) {
      return Error{"type may hold only letters, digits, '.', '_' and '-'", std::string(kWhat)};
    }
  }
  return out;
}

}  // namespace augur::discovery
