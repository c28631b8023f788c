#include <algorithm>
#include <cstdio>
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

namespace augur::ctl {

namespace {

std::string cell(const nlohmann::json& j, int precision) {
  if (j.is_null()) return "-";
  if (j.is_boolean()) return j.get<bool>() ? "yes" : "no";
  if (j.is_string()) return j.get<std::string>().empty() ? "-" : j.get<std::string>();
  if (j.is_number_float()) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%.*f", precision, j.get<double>());
    return buf;
  }
  return j.dump();
}

// A value at a dotted path ("allocation.cpu"), null when absent.
const nlohmann::json& at_path(const nlohmann::json& j, const std::string& path) {
  static const nlohmann::json kNull;
  const nlohmann::json* cur = &j;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return kNull;
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *cur;
}

}  // namespace

std::string render_table(const nlohmann::json& rows, const std::vector<Column>& columns) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (const Column& c : columns) width.push_back(c.header.size());
  for (const nlohmann::json& row : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string v = columns[i].format ? columns[i].format(row)
                                        : cell(at_path(row, columns[i].path), columns[i].precision);
      width[i] = std::max(width[i], v.size());
      line.push_back(std::move(v));
    }
    cells.push_back(std::move(line));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) out.append(width[i] + 2 - line[i].size(), ' ');
    }
    out += '\n';
  };
  std::vector<std::string> headers;
  for (const Column& c : columns) headers.push_back(c.header);
  emit(headers);
  for (const auto& line : cells) emit(line);
  if (cells.empty()) out += "(none)\n";
  return out;
}

}  // namespace augur::ctl
