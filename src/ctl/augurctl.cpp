#include "augur/ctl/augurctl.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <functional>
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

using Renderer = std::function<std::string(const json&)>;

std::string unix_time(const json& ms) {
  if (!ms.is_number()) return "-";
  const std::time_t t = static_cast<std::time_t>(ms.get<std::int64_t>() / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  // 0 leaves buf indeterminate (a year past 9999 would not fit).
  if (std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0) return "-";
  return buf;
}

std::string render_instances(const json& data) {
  return render_table(
      data["instances"],
      {{"NAME", "name"},
       {"TYPE", "app_type"},
       {"BASELINE", "baseline"},
       {"DRIFT", "drift_score"},
       {"THRESHOLD", "threshold"},
       {"EPISODE", "in_episode"},
       {"CPU", "allocation.cpu"},
       {"MEMORY_MIB",
        [](const json& r) {
          const json& m = r["allocation"]["memory"];
          return m.is_number() ? std::to_string(static_cast<long long>(m.get<double>() / 1048576))
                               : std::string("-");
        }},
       {"PREDICTED_CPU", "predicted_increase.cpu"},
       {"TOP_FEATURE",
        [](const json& r) {
          const json& t = r["top_features"];
          return t.empty() ? std::string("-") : t[0]["name"].get<std::string>();
        }},
       {"PAUSED", "paused"}});
}

std::string render_history(const json& data) {
  std::string out = "changes:\n";
  out += render_table(data["changes"],
                      {{"TIME", [](const json& r) { return unix_time(r["unix_ms"]); }},
                       {"INSTANCE", "instance"},
                       {"RESOURCE", "resource"},
                       {"OLD", "old", 3},
                       {"NEW", "new", 3},
                       {"REASON", "reason"},
                       {"CLAMP", "clamp"},
                       {"OUTCOME", "outcome"},
                       {"MODE", "mode"}});
  out += "\ndrift episodes:\n";
  out += render_table(data["episodes"],
                      {{"TIME", [](const json& r) { return unix_time(r["unix_ms"]); }},
                       {"INSTANCE", "instance"},
                       {"EVENT", "event"},
                       {"SCORE", "score"},
                       {"PEAK", "peak_score"},
                       {"TOP_FEATURES", "top_features"}});
  return out;
}

// Key/value lines, then the fingerprint against its baseline as a table (strongest |z|
// first, as the daemon sends it).
std::string render_show(const json& data) {
  json rest = data;
  rest.erase("fingerprint");
  std::string out = render_key_values(rest);
  if (data.contains("fingerprint")) {
    out += "\nfingerprint against baseline:\n";
    out += render_table(
        data["fingerprint"],
        {{"FEATURE", "name"}, {"VALUE", "value", 3}, {"BASELINE", "baseline", 3}, {"Z", "z", 2}});
  }
  return out;
}

std::string render_baselines(const json& data) {
  return render_table(data["baselines"], {{"SCOPE", "scope"},
                                          {"KEY", "key"},
                                          {"WINDOWS", "windows", 1},
                                          {"TRUSTED", "trusted"},
                                          {"THRESHOLD", "threshold"}});
}

// Sends a request, prints the answer as JSON or through the renderer (default: a
// two-column key/value table).
int request_and_print(const std::string& socket, const json& request, bool as_json,
                      const Renderer& render = {}) {
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
  std::printf("%s", (render ? render(data) : render_key_values(data)).c_str());
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

  auto* status = app.add_subcommand(
      "status", "the daemon's mode, uptime, loop costs, analyser counters and self-score");
  auto* instances = app.add_subcommand(
      "instances", "every instance: type, drift, prediction, allocation, pause state");
  auto* show = app.add_subcommand(
      "show", "one instance: drift against its baseline, prediction and neighbours, plan");
  std::string show_instance;
  show->add_option("INSTANCE", show_instance, "instance name or id")->required();
  auto* history = app.add_subcommand("history", "recent changes (with outcome) and drift episodes");
  auto* baselines = app.add_subcommand("baselines", "type and instance baselines");
  auto* pause = app.add_subcommand("pause", "keep watching an instance but change nothing");
  std::string pause_instance;
  pause->add_option("INSTANCE", pause_instance, "instance name or id")->required();
  auto* resume = app.add_subcommand("resume", "let a paused instance be changed again");
  std::string resume_instance;
  resume->add_option("INSTANCE", resume_instance, "instance name or id")->required();
  auto* reload =
      app.add_subcommand("reload", "check the configuration file and reload it (as SIGHUP)");
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
  for (auto* sub :
       {status, instances, show, history, baselines, pause, resume, reload, mode, sample}) {
    sub->fallthrough();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (*status) return request_and_print(socket, json{{"verb", "status"}}, as_json);
  if (*instances) {
    return request_and_print(socket, json{{"verb", "instances"}}, as_json, render_instances);
  }
  if (*show) {
    return request_and_print(socket, json{{"verb", "show"}, {"instance", show_instance}}, as_json,
                             render_show);
  }
  if (*history) {
    return request_and_print(socket, json{{"verb", "history"}}, as_json, render_history);
  }
  if (*baselines) {
    return request_and_print(socket, json{{"verb", "baselines"}}, as_json, render_baselines);
  }
  if (*pause) {
    return request_and_print(socket, json{{"verb", "pause"}, {"instance", pause_instance}},
                             as_json);
  }
  if (*resume) {
    return request_and_print(socket, json{{"verb", "resume"}, {"instance", resume_instance}},
                             as_json);
  }
  if (*reload) return request_and_print(socket, json{{"verb", "reload"}}, as_json);
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
