#include "augur/predict/pattern_record.h"

#include <chrono>
#include <cmath>

namespace augur::predict {

store::PatternRecord to_record(const Pattern& p) {
  store::PatternRecord r;
  r.record_id = p.id;
  r.host_id = p.host_id;
  r.instance_id = p.instance_id;
  r.app_type = p.app_type;
  r.created_unix_ms = p.start_unix_ms;
  r.magnitude = p.magnitude;
  r.feature_table_version = p.feature_table_version;
  r.direction = p.delta;
  r.usage = p.need_at_start.resources;
  r.allocation = p.allocation;
  r.host_load = p.host_load;
  if (p.outcome) {
    r.outcome = p.outcome->increase;
    r.labelled_unix_ms = p.outcome->labelled_unix_ms;
  }
  return r;
}

Result<Pattern> from_record(const store::PatternRecord& r, SteadyTime steady_now,
                            std::int64_t unix_now_ms) {
  const std::string where = "pattern record " + r.record_id;
  auto unit = unit_direction(r.direction);
  if (!unit) return Error{unit.error().what, where};
  if (!(r.magnitude > 0) || !std::isfinite(r.magnitude)) {
    return Error{"magnitude is not positive", where};
  }
  if (r.outcome.has_value() != r.labelled_unix_ms.has_value()) {
    return Error{"outcome and labelled_unix_ms must be both set or both empty", where};
  }
  Pattern p;
  p.id = r.record_id;
  p.host_id = r.host_id;
  p.instance_id = r.instance_id;
  p.app_type = r.app_type;
  p.start = steady_now - std::chrono::milliseconds(unix_now_ms - r.created_unix_ms);
  p.start_unix_ms = r.created_unix_ms;
  p.magnitude = r.magnitude;
  p.feature_table_version = r.feature_table_version;
  p.delta = r.direction;
  p.direction = std::move(*unit);
  p.need_at_start.resources = r.usage;
  p.allocation = r.allocation;
  p.host_load = r.host_load;
  if (r.outcome) p.outcome = Outcome{*r.outcome, kUnknown, *r.labelled_unix_ms};
  return p;
}

}  // namespace augur::predict
