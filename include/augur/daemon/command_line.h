#pragma once
// augurd's command line. Parsing is separate from main() so it is tested directly.
#include <optional>
#include <string>
#include <vector>

#include "augur/util/result.h"

namespace augur::daemon {

// sysexits.h codes, documented in augurd(8).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;       // EX_USAGE: bad command line
inline constexpr int kExitSoftware = 70;    // EX_SOFTWARE: internal error at start-up
inline constexpr int kExitOsError = 71;     // EX_OSERR: a system call failed at start-up
inline constexpr int kExitCantCreate = 73;  // EX_CANTCREAT: runtime/state directory
inline constexpr int kExitTempFail = 75;    // EX_TEMPFAIL: another augurd holds the lock
inline constexpr int kExitNoPerm = 77;      // EX_NOPERM: config or state others can write
inline constexpr int kExitConfig = 78;      // EX_CONFIG: the configuration is invalid

struct CommandLine {
  std::string config_path = "/etc/augur/augur.yaml";
  bool check_config = false;
  bool print_version = false;
  std::optional<std::string> log_level;  // overrides log.level from the config
};

// The exit code to use when parsing ends the program (help, version or an error already
// printed), or the parsed command line.
struct ParseExit {
  int code = kExitOk;
};
Result<CommandLine, ParseExit> parse_command_line(int argc, const char* const* argv);

}  // namespace augur::daemon
