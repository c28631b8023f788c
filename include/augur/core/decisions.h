#pragma once
// The values that cross the analyser and actuator stages: fingerprint, drift episode,
// prediction, plan and change. Plain structs with value semantics, defined once.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "augur/core/resource.h"
#include "augur/util/clock.h"

namespace augur {

// A named, versioned feature vector over a window. `values[i]` belongs to feature i of the
// fingerprint module's feature table (version `feature_table_version`); a feature the host
// cannot measure is masked (present[i] == false) and its value is meaningless.
struct Fingerprint {
  std::string instance_id;
  SteadyTime at{};
  std::uint32_t feature_table_version = 0;
  std::vector<double> values;
  std::vector<bool> present;
};

struct FeatureContribution {
  std::size_t feature = 0;  // index into the feature table
  double contribution = 0;  // signed standardized difference
};

enum class EpisodeState { kOpen, kClosed };

// A run of drift with a start, a peak and an end, produced by the sequential rule.
struct DriftEpisode {
  std::string instance_id;
  std::string app_type;
  SteadyTime start{};
  SteadyTime peak_at{};
  std::optional<SteadyTime> end;
  double peak_score = 0;
  double threshold = 0;
  std::vector<double> direction;  // standardized difference vector over the feature table
  std::vector<FeatureContribution> top_features;
  EpisodeState state = EpisodeState::kOpen;
};

struct Neighbour {
  std::string instance_id;
  std::int64_t recorded_unix_ms = 0;
  double distance = 0;
  ResourceVector outcome;
};

// Predicted increase in need per resource. When `available` is false, `reason` says why
// (e.g. too few neighbours) and the planner falls back to its reactive rule.
struct Prediction {
  std::string instance_id;
  SteadyTime at{};
  bool available = false;
  std::string reason;
  ResourceVector unadjusted_increase;
  ResourceVector headroom_factor;  // 1 - host utilisation, per resource
  ResourceVector increase;         // unadjusted_increase * headroom_factor
  double confidence = 0;
  std::vector<Neighbour> neighbours;
};

enum class Mode { kObserve, kAdvise, kEnforce };
std::string_view mode_name(Mode m);

// One bounded change of one resource of one instance, with why it was chosen.
struct Change {
  std::string instance_id;
  Resource resource = Resource::kCpu;
  double old_value = 0;
  double new_value = 0;
  std::string reason;  // "prediction", "reactive", "scale-down", "undo", ...
  std::string clamp;   // the bound that limited the step, empty if none
};

struct Plan {
  std::string instance_id;
  SteadyTime at{};
  ResourceVector target;
  std::vector<Change> changes;
  // Why, for the decision record: the drift judgement of this tick (NaN when the instance
  // was not scored) and the prediction in force, if any.
  double drift_score = kUnknown;
  double drift_threshold = kUnknown;
  std::vector<FeatureContribution> top_features;
  std::optional<Prediction> prediction;
};

}  // namespace augur
