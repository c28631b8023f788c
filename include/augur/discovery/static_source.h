#pragma once
// Instances named in the config: processes found by a comm regex or a fixed pid, with all
// their threads. For development and demos.
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/discovery/source.h"

namespace augur::discovery {

class StaticSource final : public DiscoverySource {
 public:
  // Error when an entry has neither a pid nor a process_name, or its regex does not compile.
  static Result<StaticSource> create(std::vector<config::StaticEntry> entries,
                                     std::string proc_root = "/proc");

  [[nodiscard]] std::string_view name() const override { return "static"; }
  // One instance per entry that matches a live process: id "static:<name>", kind process;
  // a regex (std::regex ECMAScript, searched in /proc/<pid>/comm) gathers the threads of
  // every matching process, main_pid the lowest. Entries matching nothing are left out.
  Result<std::vector<Instance>> discover() override;

 private:
  struct Entry {
    config::StaticEntry config;
    std::regex regex;
  };
  StaticSource(std::vector<Entry> entries, std::string proc_root);

  std::vector<Entry> entries_;
  std::string proc_root_;
};

}  // namespace augur::discovery
