#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"

namespace augur::ctl {

namespace {
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
    return;
  }
  out.emplace_back(prefix, j.is_string() ? j.get<std::string>() : j.dump());
}
}  // namespace

std::string render_key_values(const nlohmann::json& data) {
  std::vector<std::pair<std::string, std::string>> rows;
  flatten(data, "", rows);
  std::size_t width = 0;
  for (const auto& [k, v] : rows) width = std::max(width, k.size());
  std::string out;
  for (const auto& [k, v] : rows) {
    out += k;
    out.append(width + 2 - k.size(), ' ');
    out += v;
    out += '\n';
  }
  return out;
}

}  // namespace augur::ctl
