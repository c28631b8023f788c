#include "augur/discovery/domain_xml.h"

#include <string>

#include "xml_document.h"

namespace augur::discovery {
namespace {

constexpr std::string_view kWhat = "domain XML";

const xmlNode* first_child(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* n = parent->children; n != nullptr; n = n->next) {
    if (detail::is_element(n, name)) return n;
  }
  return nullptr;
}

// <source file=...> (type file) or <source dev=...> (type block): a path on this host.
std::string source_path(const xmlNode* disk) {
  std::string path;
  const xmlNode* source = first_child(disk, "source");
  if (source != nullptr && !detail::attribute(source, "file", path)) {
    detail::attribute(source, "dev", path);
  }
  return path;
}

std::string target_dev(const xmlNode* device) {
  std::string dev;
  const xmlNode* target = first_child(device, "target");
  if (target != nullptr) detail::attribute(target, "dev", dev);
  return dev;
}

}  // namespace

Result<DomainDevices> parse_domain_devices(std::string_view xml) {
  auto doc = detail::parse_xml(xml, kWhat, kMaxDomainXmlBytes);
  if (!doc) return std::move(doc).error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!detail::is_element(root, "domain")) {
    return Error{"root element is not <domain>", std::string(kWhat)};
  }
  DomainDevices out;
  const xmlNode* devices = first_child(root, "devices");
  if (devices == nullptr) return out;
  for (const xmlNode* n = devices->children; n != nullptr; n = n->next) {
    if (detail::is_element(n, "disk")) {
      std::string kind = "disk";  // libvirt's default when device= is absent
      detail::attribute(n, "device", kind);
      if (kind != "disk" && kind != "lun") continue;
      if (auto dev = target_dev(n); !dev.empty()) {
        out.disks.push_back(std::move(dev));
        out.disk_sources.push_back(source_path(n));
      }
    } else if (detail::is_element(n, "interface")) {
      if (auto dev = target_dev(n); !dev.empty()) out.interfaces.push_back(std::move(dev));
    }
  }
  return out;
}

}  // namespace augur::discovery
