#include "augur/daemon/control_protocol.h"

#include <nlohmann/json.hpp>

#include "augur/log/log.h"

namespace augur::daemon {

namespace {

using nlohmann::json;

std::string ok(json data) {
  return json{{"ok", true}, {"data", std::move(data)}}.dump();
}

std::optional<Mode> parse_mode(std::string_view s) {
  for (Mode m : {Mode::kObserve, Mode::kAdvise, Mode::kEnforce}) {
    if (mode_name(m) == s) return m;
  }
  return std::nullopt;
}

json status_json(const DaemonStatus& s) {
  const PipelineCounters& c = s.counters;
  return json{
      {"version", s.version},
      {"config_file", s.config_file},
      {"mode", mode_name(s.mode)},
      {"uptime_s", s.uptime_s},
      {"ticks", c.ticks},
      {"missed_ticks", c.missed_ticks},
      {"samples", c.samples},
      {"sample_queue_drops", c.sample_queue_drops},
      {"plan_queue_drops", c.plan_queue_drops},
      {"batches_analysed", c.batches_analysed},
      {"plans_applied", c.plans_applied},
      {"stage_errors", c.stage_errors},
      {"last_tick_ms", std::chrono::duration<double, std::milli>(c.last_tick_duration).count()},
      {"max_tick_ms", std::chrono::duration<double, std::milli>(c.max_tick_duration).count()}};
}

}  // namespace

std::string handle_control_request(std::string_view line, const PeerCredentials& peer,
                                   ControlApi& api) {
  json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object()) {
    return control_error("malformed request: expected one JSON object on one line");
  }
  const auto verb_it = request.find("verb");
  if (verb_it == request.end() || !verb_it->is_string()) {
    return control_error("malformed request: missing string field 'verb'");
  }
  const std::string verb = verb_it->get<std::string>();
  if (verb == "status") return ok(status_json(api.status()));
  if (verb == "mode") {
    const auto mode_it = request.find("mode");
    if (mode_it == request.end()) return ok(json{{"mode", mode_name(api.status().mode)}});
    const auto mode = mode_it->is_string() ? parse_mode(mode_it->get<std::string>()) : std::nullopt;
    if (!mode) return control_error("bad mode: expected observe, advise or enforce");
    api.set_mode(*mode);
    log::write(log::Level::kWarn, "mode changed through the control socket",
               {{"MODE", std::string(mode_name(*mode))},
                {"PEER_UID", std::to_string(peer.uid)},
                {"PEER_PID", std::to_string(peer.pid)}});
    return ok(json{{"mode", mode_name(*mode)}});
  }
  return control_error("unknown verb '" + verb + "' (known: status, mode)");
}

}  // namespace augur::daemon
