#pragma once
// Helpers shared by the config compiler tests.
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/compiler.h"

namespace augur::config::testing {

inline std::string fixture(std::string_view name) {
  return std::string(AUGUR_SOURCE_DIR) + "/tests/fixtures/config/" + std::string(name);
}

inline std::string shipped_config() {
  return std::string(AUGUR_SOURCE_DIR) + "/config/augur.yaml";
}

// Compiles text as if it came from "augur.yaml".
inline CompileResult compile(std::string_view text) {
  return compile_config(text, "augur.yaml");
}

// Every diagnostic as "file:line:column: message"; empty when compilation succeeded.
inline std::vector<std::string> diagnostics(const CompileResult& result) {
  std::vector<std::string> out;
  if (result) return out;
  for (const Diagnostic& d : result.error()) out.push_back(d.to_string());
  return out;
}

}  // namespace augur::config::testing
