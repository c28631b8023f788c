#include "decision_record.h"

#include <cmath>
#include <cstdio>

#include "augur/fingerprint/feature_table.h"
#include "augur/log/log.h"

namespace augur::daemon {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string top_features(const Plan& plan) {
  std::string out;
  for (const FeatureContribution& f : plan.top_features) {
    if (!out.empty()) out += ",";
    out += f.feature < fingerprint::kFeatureCount
               ? std::string(fingerprint::feature_table()[f.feature].name)
               : std::to_string(f.feature);
    out += "=" + number(f.contribution);
  }
  return out;
}

std::string neighbours(const Prediction& p) {
  std::string out;
  for (const Neighbour& n : p.neighbours) {
    if (!out.empty()) out += ";";
    out += n.instance_id + "@" + std::to_string(n.recorded_unix_ms) + " d=" + number(n.distance);
  }
  return out;
}

}  // namespace

void log_change(const Plan& plan, const Change& c, Mode mode, std::string_view instance_name,
                const ChangeOutcome& outcome) {
  const std::string resource(resource_name(c.resource));
  const bool predicted = plan.prediction && plan.prediction->available;
  std::string message = std::string(outcome.outcome) + ": " + std::string(instance_name) + " " +
                        resource + " " + number(c.old_value) + " -> " + number(c.new_value) + " (" +
                        c.reason + (c.clamp.empty() ? "" : ", clamped by " + c.clamp) + ")";
  if (!outcome.error.empty()) message += ": " + outcome.error;
  const log::Level level = outcome.outcome == "failed"    ? log::Level::kWarn
                           : outcome.outcome == "refused" ? log::Level::kWarn
                                                          : log::Level::kInfo;
  log::write(
      level, message,
      {{"INSTANCE", std::string(instance_name)},
       {"INSTANCE_ID", c.instance_id},
       {"RESOURCE", resource},
       {"OLD_VALUE", number(c.old_value)},
       {"NEW_VALUE", number(c.new_value)},
       {"READ_BACK", number(outcome.read_back)},
       {"MODE", std::string(mode_name(mode))},
       {"OUTCOME", outcome.outcome},
       {"BACKEND", outcome.backend},
       {"REASON", c.reason},
       {"CLAMP", c.clamp},
       {"DRIFT_SCORE", number(plan.drift_score)},
       {"THRESHOLD", number(plan.drift_threshold)},
       {"TOP_FEATURES", top_features(plan)},
       {"PREDICTED_INCREASE", predicted ? number(plan.prediction->increase[c.resource]) : ""},
       {"CONFIDENCE", predicted ? number(plan.prediction->confidence) : ""},
       {"HEADROOM", predicted ? number(plan.prediction->headroom_factor[c.resource]) : ""},
       {"NEIGHBOURS", predicted ? neighbours(*plan.prediction) : ""},
       {"ERROR", outcome.error}});
}

}  // namespace augur::daemon
