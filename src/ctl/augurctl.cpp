#include "augur/ctl/augurctl.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "augur/ctl/control_client.h"
#include "commands.h"

namespace augur::ctl {

namespace {

using nlohmann::json;

int exit_for(const Error& e) {
  switch (e.errno_value) {
    case ENOENT:
    case ECONNREFUSED: return kExitUnavailable;
    case EACCES:
    case EPERM: return kExitNoPermission;
    default: return kExitSoftware;
  }
}

// Sends a request, prints the answer as JSON or as a two-column table.
int request_and_print(const std::string& socket, const json& request, bool as_json) {
  auto answer = ask_daemon(socket, request.dump());
  if (!answer) {
    std::fprintf(stderr, "augurctl: %s\n", answer.error().message().c_str());
    return exit_for(answer.error());
  }
  json parsed = json::parse(*answer, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    std::fprintf(stderr, "augurctl: unreadable answer from augurd: %s\n", answer->c_str());
    return kExitSoftware;
  }
  if (!parsed.value("ok", false)) {
    std::fprintf(stderr, "augurctl: augurd refused: %s\n",
                 parsed.value("error", std::string("no reason given")).c_str());
    return kExitRefused;
  }
  const json& data = parsed["data"];
  if (as_json) {
    std::printf("%s\n", data.dump(2).c_str());
    return 0;
  }
  std::printf("%s", render_key_values(data).c_str());
  return 0;
}

}  // namespace

int run_augurctl(int argc, const char* const* argv) {
  CLI::App app{"augurctl: inspect and steer augurd"};
  app.name("augurctl");
  app.require_subcommand(1);
  std::string socket = "/run/augur/augur.sock";
  bool as_json = false;
  app.add_option("-s,--socket", socket, "augurd's control socket")->capture_default_str();
  app.add_flag("--json", as_json, "print JSON for scripts instead of tables");

  auto* status = app.add_subcommand("status", "the daemon's mode, uptime and loop costs");
  auto* mode = app.add_subcommand("mode", "show or set the mode: observe, advise or enforce");
  std::string new_mode;
  mode->add_option("MODE", new_mode)->check(CLI::IsMember({"observe", "advise", "enforce"}));

  SampleOptions sample_options;
  auto* sample = app.add_subcommand(
      "sample", "discover and sample this host in-process (no daemon) and print each tick");
  sample->add_option("-c,--config", sample_options.config_path, "configuration file")
      ->capture_default_str();
  sample->add_option("-n,--ticks", sample_options.ticks, "ticks to print")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sample->add_option("-i,--interval", sample_options.interval_s, "seconds between ticks")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();

  // Global options (--json, --socket) may also follow the verb.
  for (auto* sub : {status, mode, sample}) sub->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (*status) return request_and_print(socket, json{{"verb", "status"}}, as_json);
  if (*mode) {
    json request{{"verb", "mode"}};
    if (!new_mode.empty()) request["mode"] = new_mode;
    return request_and_print(socket, request, as_json);
  }
  if (*sample) {
    sample_options.json = as_json;
    return run_sample(sample_options);
  }
  return kExitUsage;
}

}  // namespace augur::ctl
