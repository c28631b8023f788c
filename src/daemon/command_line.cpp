#include "augur/daemon/command_line.h"

#include <CLI/CLI.hpp>

#include "augur/version.h"

namespace augur::daemon {

Result<CommandLine, ParseExit> parse_command_line(int argc, const char* const* argv) {
  CommandLine cl;
  CLI::App app{"augurd: predictive resource allocation for VMs and containers"};
  app.name("augurd");
  app.add_option("-c,--config", cl.config_path, "configuration file")->capture_default_str();
  app.add_flag("--check-config", cl.check_config,
               "validate the configuration, print every error and exit (0 valid, 78 invalid)");
  app.add_option("--log-level", cl.log_level,
                 "trace|debug|info|warn|error|critical|off (overrides log.level)");
  app.add_flag("-V,--version", cl.print_version, "print the version and exit");
  // Listed for --help only: augurd_main runs the demo before this parser sees --demo.
  bool demo = false;
  app.add_flag("--demo", demo,
               "run the live demo instead of the daemon (root; --demo-rounds N, --demo-log FILE; "
               "augurd(8))");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return Unexpected{ParseExit{code == 0 ? kExitOk : kExitUsage}};
  }
  return cl;
}

}  // namespace augur::daemon
