#include "augur/actuate/blkio_device_rates.h"

#include <cerrno>
#include <charconv>

namespace augur::actuate {

std::string format_device_rates(const std::vector<DeviceRate>& rates) {
  std::string out;
  for (const DeviceRate& r : rates) {
    if (!out.empty()) out += ',';
    out += r.node + ',' + std::to_string(r.bytes_per_s);
  }
  return out;
}

Result<std::vector<DeviceRate>> parse_device_rates(std::string_view text) {
  std::vector<DeviceRate> out;
  if (text.empty()) return out;
  std::vector<std::string_view> fields;
  for (std::size_t from = 0;;) {
    const std::size_t comma = text.find(',', from);
    fields.push_back(text.substr(from, comma == std::string_view::npos ? comma : comma - from));
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  const std::string where = "blkiotune device list";
  if (fields.size() % 2 != 0)
    return Error{"odd number of fields: node,value pairs expected", where, EINVAL};
  for (std::size_t i = 0; i < fields.size(); i += 2) {
    const std::string_view node = fields[i];
    const std::string_view value = fields[i + 1];
    if (node.empty() || node.front() != '/') {
      return Error{"device '" + std::string(node) + "' is not an absolute path", where, EINVAL};
    }
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      return Error{"value '" + std::string(value) + "' for " + std::string(node) +
                       " is not a whole number of bytes/s",
                   where, EINVAL};
    }
    out.push_back({std::string(node), v});
  }
  return out;
}

}  // namespace augur::actuate
