#include "augur/predict/pattern.h"

#include <cmath>
#include <utility>

namespace augur::predict {

bool Outcome::operator==(const Outcome& o) const {
  return increase == o.increase && same_value(disk_ops_increase_per_s, o.disk_ops_increase_per_s) &&
         labelled_unix_ms == o.labelled_unix_ms;
}

bool Pattern::operator==(const Pattern& o) const {
  return id == o.id && host_id == o.host_id && instance_id == o.instance_id &&
         app_type == o.app_type && start == o.start && start_unix_ms == o.start_unix_ms &&
         same_value(magnitude, o.magnitude) && feature_table_version == o.feature_table_version &&
         delta == o.delta && direction == o.direction &&
         need_at_start.resources == o.need_at_start.resources &&
         same_value(need_at_start.disk_ops_per_s, o.need_at_start.disk_ops_per_s) &&
         allocation == o.allocation && host_load == o.host_load && outcome == o.outcome;
}

Result<std::vector<double>> unit_direction(const std::vector<double>& delta) {
  if (delta.empty()) return Error{"empty drift direction", "unit_direction"};
  double sum = 0;
  for (double v : delta) {
    if (!std::isfinite(v)) return Error{"non-finite drift direction", "unit_direction"};
    sum += v * v;
  }
  const double norm = std::sqrt(sum);
  if (!(norm > 0) || !std::isfinite(norm)) {
    return Error{"zero or overflowing drift direction", "unit_direction"};
  }
  std::vector<double> unit(delta.size());
  for (std::size_t i = 0; i < delta.size(); ++i) unit[i] = delta[i] / norm;
  return unit;
}

Result<Pattern> make_pattern(const DriftEpisode& episode, std::uint32_t feature_table_version,
                             const Sample& at_start, const ResourceVector& host_load,
                             std::string id, std::string host_id, std::int64_t start_unix_ms) {
  if (!(episode.peak_score > 0) || !std::isfinite(episode.peak_score)) {
    return Error{"drift magnitude is not positive", "episode of " + episode.instance_id};
  }
  auto unit = unit_direction(episode.direction);
  if (!unit) return Error{unit.error().what, "episode of " + episode.instance_id};
  Pattern p;
  p.id = std::move(id);
  p.host_id = std::move(host_id);
  p.instance_id = episode.instance_id;
  p.app_type = episode.app_type;
  p.start = episode.start;
  p.start_unix_ms = start_unix_ms;
  p.magnitude = episode.peak_score;
  p.feature_table_version = feature_table_version;
  p.delta = episode.direction;
  p.direction = std::move(*unit);
  p.need_at_start = need_from_sample(at_start);
  p.allocation = at_start.allocation;
  p.host_load = host_load;
  return p;
}

}  // namespace augur::predict
