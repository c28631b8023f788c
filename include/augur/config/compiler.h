#pragma once
// YAML -> Config, compiled once at start-up and on reload. Every problem in the input is
// reported as a Diagnostic with its position; the compiler never stops at the first one and
// never throws (it is fed untrusted and fuzzed input). The YAML schema is documented, key by
// key, in config/augur.yaml.
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/util/result.h"

namespace augur::config {

// One problem in a config file. `line` and `column` are 1-based; 0 means "the whole file"
// (e.g. it cannot be read).
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  // "file:line:column: message", the format compilers and editors understand.
  [[nodiscard]] std::string to_string() const;
};

using CompileResult = Result<Config, std::vector<Diagnostic>>;

// Compiles YAML text into a validated Config. `file_name` is used in diagnostics and stored
// in Config::source_file. An empty document (or one with only comments) yields the defaults.
// On failure returns every diagnostic found, ordered by position. Never throws.
CompileResult compile_config(std::string_view yaml_text, const std::string& file_name);

// Reads `path` and compiles it. An unreadable file gives one Diagnostic
// "path:0:0: cannot read: <strerror>". Never throws.
CompileResult load_config_file(const std::string& path);

}  // namespace augur::config
