#include "xml_document.h"

#include <libxml/parser.h>

#include <climits>
#include <mutex>
#include <string>

namespace augur::discovery::detail {
namespace {

// libxml2 prints parse errors to stderr through its generic handler unless told not to;
// libraries do not print.
void silent_handler(void* /*ctx*/, const char* /*msg*/, ...) {}

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetGenericErrorFunc(nullptr, silent_handler);
  });
}

}  // namespace

Result<XmlDoc> parse_xml(std::string_view text, std::string_view what, std::size_t max_bytes) {
  if (text.empty()) return Error{"empty document", std::string(what)};
  if (text.size() > max_bytes || text.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{"document larger than " + std::to_string(max_bytes) + " bytes", std::string(what)};
  }
  init_once();
  // Not XML_PARSE_NOENT (would substitute entities), not DTDLOAD/DTDATTR, not HUGE.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                      XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA;
  XmlDoc doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr, options));
  if (!doc) {
    const xmlError* err = xmlGetLastError();
    std::string msg = "malformed XML";
    if (err != nullptr && err->message != nullptr) {
      msg += ": ";
      msg += err->message;
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    }
    return Error{msg, std::string(what)};
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Error{"DOCTYPE not allowed", std::string(what)};
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr)
    return Error{"no root element", std::string(what)};
  return doc;
}

bool is_element(const xmlNode* node, std::string_view local_name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && node->name != nullptr &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == local_name;
}

bool attribute(const xmlNode* node, const char* name, std::string& out) {
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return false;
  out = reinterpret_cast<const char*>(value);
  xmlFree(value);
  return true;
}

}  // namespace augur::discovery::detail
