#include "augur/replay/report.h"

#include <cmath>
#include <cstdio>
#include <string_view>

namespace augur::replay {

namespace {

using Json = nlohmann::ordered_json;

Json number(double v) {
  return std::isnan(v) || std::isinf(v) ? Json(nullptr) : Json(v);
}

Json figures_json(const Figures& f, bool predicts) {
  Json m;
  m["under_provisioned_minutes"] = number(f.under_provisioned_minutes);
  m["unmet_demand"] = number(f.unmet_demand);
  m["mean_relative_slack"] = number(f.mean_relative_slack);
  m["mean_instance_slack"] = number(f.mean_instance_slack);
  m["changes_per_instance_day"] = number(f.changes_per_instance_day);
  m["lead_time_hit_rate"] = number(f.lead_time_hit_rate);
  m["rises"] = f.rises;
  m["covered"] = f.covered;
  m["hits"] = f.hits;
  m["hits_per_rise"] = number(f.hits_per_rise);
  m["prediction_error"] = predicts ? number(f.prediction_error) : Json(nullptr);
  if (predicts) m["prediction_terms"] = f.prediction_terms;
  return m;
}

Json resources_json(const ResourceVector& v) {
  Json o;
  for (Resource r : kAllResources) o[std::string(resource_name(r))] = number(v[r]);
  return o;
}

struct Column {
  std::string_view name;
  double (*get)(const Figures&);
};

const Column kColumns[] = {
    {"under_provisioned_minutes", [](const Figures& f) { return f.under_provisioned_minutes; }},
    {"unmet_demand", [](const Figures& f) { return f.unmet_demand; }},
    {"mean_relative_slack", [](const Figures& f) { return f.mean_relative_slack; }},
    {"mean_instance_slack", [](const Figures& f) { return f.mean_instance_slack; }},
    {"changes_per_instance_day", [](const Figures& f) { return f.changes_per_instance_day; }},
    {"lead_time_hit_rate", [](const Figures& f) { return f.lead_time_hit_rate; }},
    {"rises", [](const Figures& f) { return static_cast<double>(f.rises); }},
    {"covered", [](const Figures& f) { return static_cast<double>(f.covered); }},
    {"hits", [](const Figures& f) { return static_cast<double>(f.hits); }},
    {"hits_per_rise", [](const Figures& f) { return f.hits_per_rise; }},
    {"prediction_error", [](const Figures& f) { return f.prediction_error; }},
};

std::string format_number(double v) {
  if (std::isnan(v) || std::isinf(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string table_cell(double v, int precision) {
  if (std::isnan(v) || std::isinf(v)) return "-";
  char buf[64];
  const double mag = std::abs(v);
  if (mag != 0 && (mag >= 1e7 || mag < 1e-3)) {
    std::snprintf(buf, sizeof buf, "%.3e", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  }
  return buf;
}

template <class F>
void for_each_scope(const PolicyRun& run, F&& f) {
  f(std::string_view("total"), run.figures.total);
  for (Resource r : kAllResources) {
    f(resource_name(r), run.figures.resources[static_cast<std::size_t>(r)]);
  }
}

}  // namespace

nlohmann::ordered_json to_json(const ReplayReport& report) {
  const HostModel& host = *report.host;
  Json j;
  j["trace"] = host.trace;
  j["format"] = host.format;
  j["aggregate"] = host.aggregate;
  j["instances"] = host.instances.size();
  j["ticks"] = host.ticks;
  j["ticks_per_second"] = number(report.ticks_per_second);
  j["step_s"] = host.step.count();
  j["horizon_steps"] = host.horizon_steps;
  j["host_capacity"] = resources_json(host.capacity);
  j["floors"] = resources_json(host.floor);

  const auto& tr = host.trace_report;
  Json input;
  input["rows_read"] = tr.rows_read;
  input["rows_used"] = tr.rows_used;
  input["duplicate_rows"] = tr.duplicate_rows;
  input["series_splits"] = tr.series_splits;
  input["dropped_rows"] = tr.dropped_rows;
  input["masked_values"] = tr.masked_values;
  input["skipped_files"] = tr.skipped_files;
  input["rows_placed"] = host.grid.rows_placed;
  input["rows_merged_on_grid"] = host.grid.rows_merged;
  input["skipped_instances"] = host.grid.skipped_instances;
  j["input"] = std::move(input);

  Json instances = Json::array();
  for (const HostInstance& h : host.instances) {
    Json o;
    o["id"] = h.id;
    o["app_type"] = h.app_type;
    o["first_tick"] = h.first_tick;
    o["last_tick"] = h.last_tick;
    o["initial_allocation"] = resources_json(h.initial);
    Json rules;
    for (Resource r : kAllResources) {
      rules[std::string(resource_name(r))] =
          initial_rule_name(h.initial_rule[static_cast<std::size_t>(r)]);
    }
    o["initial_rule"] = std::move(rules);
    instances.push_back(std::move(o));
  }
  j["instance_list"] = std::move(instances);

  Json policies = Json::object();
  for (const PolicyRun& run : report.runs) {
    const bool predicts = run.predictions.has_value();
    Json p;
    p["total"] = figures_json(run.figures.total, predicts);
    Json res;
    for (Resource r : kAllResources) {
      res[std::string(resource_name(r))] =
          figures_json(run.figures.resources[static_cast<std::size_t>(r)], predicts);
    }
    p["resources"] = std::move(res);
    if (predicts) {
      p["predictions_made"] = run.predictions->predictions_made;
      p["predictions_labelled"] = run.predictions->predictions_labelled;
      p["engine_samples_scored"] = run.predictions->samples_scored;
      p["engine_episodes_started"] = run.predictions->episodes_started;
      p["engine_changes_applied"] = run.predictions->changes_applied;
    }
    p["ticks_per_second"] = number(run.ticks_per_second);
    policies[run.policy] = std::move(p);
  }
  j["policies"] = std::move(policies);
  return j;
}

void write_csv(const ReplayReport& report, std::ostream& out) {
  out << "trace,policy,scope";
  for (const Column& c : kColumns) out << ',' << c.name;
  out << '\n';
  for (const PolicyRun& run : report.runs) {
    for_each_scope(run, [&](std::string_view scope, const Figures& f) {
      out << report.host->trace << ',' << run.policy << ',' << scope;
      for (const Column& c : kColumns) out << ',' << format_number(c.get(f));
      out << '\n';
    });
  }
}

void write_table(const ReplayReport& report, std::ostream& out) {
  const HostModel& host = *report.host;
  out << "trace " << host.trace << " (" << host.format << (host.aggregate ? ", aggregate" : "")
      << "): " << host.instances.size() << " instances, " << host.ticks << " ticks of "
      << host.step.count() << " s, H = " << host.horizon_steps << " steps\n";
  char line[256];
  for (std::string_view scope : {"total", "cpu", "memory", "disk", "network"}) {
    out << '\n' << scope << '\n';
    std::snprintf(line, sizeof line, "  %-9s %12s %11s %7s %7s %8s %7s %6s %6s %6s %8s\n", "policy",
                  "under_min", "unmet", "slack", "i_slack", "chg/day", "hit", "rises", "cover",
                  "hits", "pred_err");
    out << line;
    for (const PolicyRun& run : report.runs) {
      const Figures* f = &run.figures.total;
      for (Resource r : kAllResources) {
        if (resource_name(r) == scope) f = &run.figures.resources[static_cast<std::size_t>(r)];
      }
      std::snprintf(
          line, sizeof line, "  %-9s %12s %11s %7s %7s %8s %7s %6llu %6llu %6llu %8s\n",
          run.policy.c_str(), table_cell(f->under_provisioned_minutes, 0).c_str(),
          table_cell(f->unmet_demand, 2).c_str(), table_cell(f->mean_relative_slack, 3).c_str(),
          table_cell(f->mean_instance_slack, 3).c_str(),
          table_cell(f->changes_per_instance_day, 2).c_str(),
          table_cell(f->lead_time_hit_rate, 3).c_str(), static_cast<unsigned long long>(f->rises),
          static_cast<unsigned long long>(f->covered), static_cast<unsigned long long>(f->hits),
          table_cell(f->prediction_error, 3).c_str());
      out << line;
    }
  }
  out << "\nreplay speed: " << table_cell(report.ticks_per_second, 0)
      << " ticks/s (ticks x policies / wall time)\n";
}

}  // namespace augur::replay
