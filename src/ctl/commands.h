#pragma once
// augurctl's verbs that do more than one request.
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace augur::ctl {

// "key   value" lines, keys aligned; nested objects flattened with dots.
std::string render_key_values(const nlohmann::json& data);

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
