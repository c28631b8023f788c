#pragma once
// Collects the diagnostics of one compilation and remembers where each key was set, so
// cross-field checks can point at the right place (internal to the compiler).
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "augur/config/compiler.h"

namespace augur::config::detail {

class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {}

  // Reports a problem at a yaml-cpp mark (0-based; a null mark means the whole file).
  void error(const YAML::Mark& at, std::string message);

  // Records that `path` ("plan.cpu.min") was set from the YAML value at `at`.
  void set(const std::string& path, const YAML::Mark& at) { set_.insert_or_assign(path, at); }
  // Records that the value of `path` was rejected; cross-field checks then skip it.
  void failed(const std::string& path) { failed_.insert(path); }
  [[nodiscard]] bool is_failed(const std::string& path) const { return failed_.contains(path); }
  // Where `path` was set, or nullptr when it kept its default.
  [[nodiscard]] const YAML::Mark* where(const std::string& path) const;

  [[nodiscard]] bool ok() const { return diagnostics_.empty(); }
  // The diagnostics ordered by position, with a last note when some were dropped.
  std::vector<Diagnostic> take();

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::size_t dropped_ = 0;
  std::map<std::string, YAML::Mark> set_;
  std::set<std::string> failed_;
};

// Text from the input echoed in a message: control characters replaced and long text cut,
// so a hostile file cannot flood or garble the log.
std::string printable(std::string_view text);
// printable(text) in single quotes.
std::string quote(std::string_view text);

}  // namespace augur::config::detail
