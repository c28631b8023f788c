#pragma once
// A strict reader of the Prometheus text format 0.0.4, written for the tests from the
// format's description (and the reference parser's rules), independent of the encoder: it
// reports every deviation with its line number instead of guessing.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace augur::ops_test {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct ParsedFamily {
  std::string help;              // unescaped
  std::string type = "untyped";  // without a TYPE line
  bool has_help = false;
  bool has_type = false;
};

struct CheckResult {
  std::vector<std::string> errors;  // "line N: why"
  std::vector<ParsedSample> samples;
  std::map<std::string, ParsedFamily> families;

  [[nodiscard]] bool ok() const { return errors.empty(); }
  // The one sample with this name and exactly these labels, or nullptr.
  [[nodiscard]] const ParsedSample* find(std::string_view name,
                                         const std::map<std::string, std::string>& labels) const;
  [[nodiscard]] std::string joined_errors() const;
};

[[nodiscard]] CheckResult check_exposition(std::string_view text);

}  // namespace augur::ops_test
