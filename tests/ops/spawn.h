#pragma once
// Runs a program with an explicit argv (no shell), feeding stdin and collecting stdout and
// stderr, for the tests that drive promtool, groff, man, cpack and dpkg.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace augur::ops_test {

struct SpawnResult {
  int exit_code = -1;  // -1: did not start; 128+N: killed by signal N
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct SpawnOptions {
  std::string input;              // written to stdin, then closed
  std::vector<std::string> env;   // NAME=value added to (or replacing in) the environment
  std::string working_directory;  // empty: the test's own
  std::chrono::seconds timeout{300};
};

SpawnResult spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// The first executable named `name` in $PATH (or in /usr/sbin, /sbin), if any.
std::optional<std::string> find_program(const std::string& name);

}  // namespace augur::ops_test
