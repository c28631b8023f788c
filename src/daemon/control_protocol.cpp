#include "augur/daemon/control_protocol.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "augur/fingerprint/feature_table.h"
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

json number_or_null(double v) {
  return std::isnan(v) ? json(nullptr) : json(v);
}

json resources_json(const ResourceVector& v) {
  json o = json::object();
  for (Resource r : kAllResources) o[std::string(resource_name(r))] = number_or_null(v[r]);
  return o;
}

json fleet_json(const std::optional<FleetSyncSummary>& f) {
  if (!f) return nullptr;
  return json{{"connected", f->connected},
              {"outbox", f->outbox},
              {"sent", f->sent},
              {"pulled", f->pulled},
              {"failures", f->failures},
              {"last_refresh_unix_ms", f->last_refresh_unix_ms},
              {"last_error", f->last_error}};
}

json summary_json(const AnalyserSummary& s) {
  return json{{"instances", s.instances},
              {"fleet", fleet_json(s.fleet)},
              {"in_episode", s.in_episode},
              {"history_patterns", s.history_patterns},
              {"open_patterns", s.open_patterns},
              {"episodes_started", s.episodes_started},
              {"predictions", s.predictions},
              {"predictions_unavailable", s.predictions_unavailable},
              {"planned_changes", s.planned_changes},
              {"contention_findings", s.contention_findings},
              {"breaker_trips", s.breaker_trips},
              {"self_score",
               {{"increases", s.observe.increases},
                {"true_positives", s.observe.true_positives},
                {"false_positives", s.observe.false_positives},
                {"pending", s.observe.pending},
                {"rises", s.observe.rises},
                {"rises_anticipated", s.observe.rises_anticipated},
                {"precision", number_or_null(s.observe.precision())},
                {"recall", number_or_null(s.observe.recall())}}}};
}

json prediction_json(const std::optional<Prediction>& p) {
  if (!p) return nullptr;
  json n = json::array();
  for (const Neighbour& x : p->neighbours) {
    n.push_back(json{{"instance_id", x.instance_id},
                     {"recorded_unix_ms", x.recorded_unix_ms},
                     {"distance", x.distance},
                     {"outcome", resources_json(x.outcome)}});
  }
  return json{{"available", p->available},
              {"reason", p->reason},
              {"increase", resources_json(p->increase)},
              {"unadjusted_increase", resources_json(p->unadjusted_increase)},
              {"headroom_factor", resources_json(p->headroom_factor)},
              {"confidence", p->confidence},
              {"neighbours", std::move(n)}};
}

json change_json(const ChangeView& c) {
  return json{{"unix_ms", c.unix_ms},
              {"instance_id", c.instance_id},
              {"instance", c.instance},
              {"resource", c.resource},
              {"old", c.old_value},
              {"new", c.new_value},
              {"read_back", number_or_null(c.read_back)},
              {"reason", c.reason},
              {"clamp", c.clamp},
              {"outcome", c.outcome},
              {"mode", c.mode},
              {"error", c.error}};
}

// The window's fingerprint against the judging baseline, strongest |z| first (features not
// compared follow, in table order; masked ones are left out).
json fingerprint_json(const InstanceView& v) {
  const auto& table = fingerprint::feature_table();
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < v.feature_values.size() && i < table.size(); ++i) {
    if (!std::isnan(v.feature_values[i])) order.push_back(i);
  }
  const auto z_of = [&](std::size_t i) {
    return i < v.feature_z.size() && i < v.feature_baseline.size() &&
                   !std::isnan(v.feature_baseline[i])
               ? std::optional<double>(v.feature_z[i])
               : std::nullopt;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto za = z_of(a), zb = z_of(b);
    if (za.has_value() != zb.has_value()) return za.has_value();
    return za && std::abs(*za) > std::abs(*zb);
  });
  json out = json::array();
  for (std::size_t i : order) {
    const auto z = z_of(i);
    out.push_back(json{{"name", std::string(table[i].name)},
                       {"value", v.feature_values[i]},
                       {"baseline", z ? json(v.feature_baseline[i]) : json(nullptr)},
                       {"z", z ? json(*z) : json(nullptr)}});
  }
  return out;
}

json instance_json(const InstanceView& v, bool detail) {
  json top = json::array();
  for (const FeatureView& f : v.top_features) top.push_back(json{{"name", f.name}, {"z", f.z}});
  json o{{"id", v.id},
         {"name", v.name},
         {"app_type", v.app_type},
         {"type_inferred", v.type_inferred},
         {"baseline", v.baseline},
         {"drift_score", v.scored ? json(v.score) : json(nullptr)},
         {"threshold", v.scored ? json(v.threshold) : json(nullptr)},
         {"in_episode", v.in_episode},
         {"top_features", std::move(top)},
         {"allocation", resources_json(v.allocation)},
         {"paused", v.paused},
         {"frozen", v.frozen},
         {"contention", v.contention}};
  o["predicted_increase"] = v.prediction && v.prediction->available
                                ? resources_json(v.prediction->increase)
                                : json(nullptr);
  if (!detail) return o;
  o["type_confidence"] = v.type_confidence;
  o["baseline_windows"] = v.baseline_windows;
  o["prediction"] = prediction_json(v.prediction);
  o["target"] = resources_json(v.target);
  json planned = json::array();
  for (const Change& c : v.planned) {
    planned.push_back(json{{"resource", std::string(resource_name(c.resource))},
                           {"old", c.old_value},
                           {"new", c.new_value},
                           {"reason", c.reason},
                           {"clamp", c.clamp}});
  }
  o["planned"] = std::move(planned);
  o["fingerprint"] = fingerprint_json(v);
  return o;
}

std::optional<std::string> instance_arg(const json& request) {
  const auto it = request.find("instance");
  if (it == request.end() || !it->is_string() || it->get<std::string>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
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
  DaemonView* view = api.view();
  if (verb == "status") {
    json s = status_json(api.status());
    if (view && view->published()) {
      s["analyser"] = summary_json(view->summary());
    } else {
      s["analyser"] = nullptr;
      s["analyser_note"] = "no tick analysed yet";
    }
    return ok(std::move(s));
  }
  if (verb == "instances" || verb == "show" || verb == "history" || verb == "baselines" ||
      verb == "pause" || verb == "resume") {
    if (!view) return control_error("the daemon publishes no state yet");
  }
  if (verb == "instances") {
    json list = json::array();
    for (const InstanceView& v : view->instances()) list.push_back(instance_json(v, false));
    return ok(json{{"instances", std::move(list)}});
  }
  if (verb == "show") {
    const auto which = instance_arg(request);
    if (!which) return control_error("show needs a string field 'instance' (id or name)");
    const auto v = view->instance(*which);
    if (!v) return control_error("no instance '" + *which + "' in the last tick");
    json o = instance_json(*v, true);
    json changes = json::array();
    for (const ChangeView& c : view->changes()) {
      if (c.instance_id == v->id) changes.push_back(change_json(c));
    }
    json episodes = json::array();
    for (const EpisodeView& e : view->episodes()) {
      if (e.instance_id != v->id) continue;
      episodes.push_back(json{{"event", e.event},
                              {"unix_ms", e.unix_ms},
                              {"score", e.score},
                              {"peak_score", e.peak_score},
                              {"top_features", e.top_features}});
    }
    o["recent_changes"] = std::move(changes);
    o["recent_episodes"] = std::move(episodes);
    return ok(std::move(o));
  }
  if (verb == "history") {
    json changes = json::array();
    for (const ChangeView& c : view->changes()) changes.push_back(change_json(c));
    json episodes = json::array();
    for (const EpisodeView& e : view->episodes()) {
      episodes.push_back(json{{"instance_id", e.instance_id},
                              {"instance", e.instance},
                              {"event", e.event},
                              {"unix_ms", e.unix_ms},
                              {"score", e.score},
                              {"peak_score", e.peak_score},
                              {"top_features", e.top_features}});
    }
    return ok(json{{"changes", std::move(changes)}, {"episodes", std::move(episodes)}});
  }
  if (verb == "baselines") {
    json list = json::array();
    for (const BaselineView& b : view->baselines()) {
      list.push_back(json{{"scope", b.scope},
                          {"key", b.key},
                          {"fingerprints", b.fingerprints},
                          {"windows", b.windows},
                          {"trusted", b.trusted},
                          {"threshold", b.threshold}});
    }
    return ok(json{{"baselines", std::move(list)}});
  }
  if (verb == "pause" || verb == "resume") {
    const auto which = instance_arg(request);
    if (!which) return control_error(verb + " needs a string field 'instance' (id or name)");
    const auto v = view->instance(*which);
    if (!v) return control_error("no instance '" + *which + "' in the last tick");
    const bool pause = verb == "pause";
    view->set_paused(v->id, pause);
    log::write(
        log::Level::kWarn,
        std::string(pause ? "paused" : "resumed") + " through the control socket: " + v->name,
        {{"INSTANCE_ID", v->id},
         {"INSTANCE", v->name},
         {"PEER_UID", std::to_string(peer.uid)},
         {"PEER_PID", std::to_string(peer.pid)}});
    return ok(json{{"instance", v->name}, {"id", v->id}, {"paused", pause}});
  }
  if (verb == "reload") {
    if (auto s = api.reload(); !s) return control_error("reload refused: " + s.error().message());
    log::write(log::Level::kInfo, "reload requested through the control socket",
               {{"PEER_UID", std::to_string(peer.uid)}, {"PEER_PID", std::to_string(peer.pid)}});
    return ok(json{{"reload", "requested"}});
  }
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
  return control_error("unknown verb '" + verb +
                       "' (known: status, instances, show, history, baselines, mode, pause, "
                       "resume, reload)");
}

}  // namespace augur::daemon
