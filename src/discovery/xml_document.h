#pragma once
// Hardened libxml2 parsing shared by the pure XML parsers of discovery: no network, no DTD
// loading, no entity substitution, and documents with a DOCTYPE rejected outright (no
// entity declarations, so no XXE and no expansion bombs).
#include <libxml/tree.h>

#include <memory>
#include <string_view>

#include "augur/util/result.h"

namespace augur::discovery::detail {

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocFree>;

// `what` names the input in errors ("workload metadata"); `max_bytes` bounds it.
Result<XmlDoc> parse_xml(std::string_view text, std::string_view what, std::size_t max_bytes);

// Element-only child iteration helpers.
bool is_element(const xmlNode* node, std::string_view local_name);
// The attribute value (no namespace), or nullopt-like empty with found=false.
bool attribute(const xmlNode* node, const char* name, std::string& out);

}  // namespace augur::discovery::detail
