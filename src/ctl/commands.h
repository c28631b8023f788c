#pragma once
// augurctl's verbs that do more than one request.
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace augur::ctl {

// "key   value" lines, keys aligned; nested objects flattened with dots.
std::string render_key_values(const nlohmann::json& data);

// One column of a table: a dotted path into each row object, or a formatter.
struct Column {
  using Formatter = std::function<std::string(const nlohmann::json&)>;
  Column(std::string h, std::string p, int digits = 2)
      : header(std::move(h)), path(std::move(p)), precision(digits) {}
  Column(std::string h, Formatter f) : header(std::move(h)), format(std::move(f)) {}

  std::string header;
  std::string path;
  int precision = 2;
  Formatter format;
};

// Aligned columns under a header line; "(none)" for an empty list.
std::string render_table(const nlohmann::json& rows, const std::vector<Column>& columns);

struct SampleOptions {
  std::string config_path = "/etc/augur/augur.yaml";
  int ticks = 5;
  double interval_s = 1.0;
  bool json = false;
};

// `augurctl sample`: discovery and sampling in this process, one row (or JSON object) per
// instance per tick.
int run_sample(const SampleOptions& options);

}  // namespace augur::ctl
