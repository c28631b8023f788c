#pragma once
// Small builders shared by the predict tests.
#include <cmath>
#include <string>
#include <vector>

#include "augur/predict/pattern.h"

namespace augur::predict::testing {

inline std::vector<double> unit_of(std::vector<double> v) {
  double s = 0;
  for (double x : v) s += x * x;
  for (double& x : v) x /= std::sqrt(s);
  return v;
}

// A labelled pattern with the given drift and outcome (all resources unknown but `outcome`).
inline Pattern labelled_pattern(std::string id, std::string type, std::vector<double> delta,
                                double magnitude, const ResourceVector& outcome,
                                std::int64_t start_unix_ms = 1'700'000'000'000) {
  Pattern p;
  p.id = std::move(id);
  p.host_id = "host-a";
  p.instance_id = "vm-" + p.id;
  p.app_type = std::move(type);
  p.start_unix_ms = start_unix_ms;
  p.magnitude = magnitude;
  p.feature_table_version = 1;
  p.delta = delta;
  p.direction = unit_of(std::move(delta));
  p.outcome = Outcome{outcome, kUnknown, start_unix_ms + 1'800'000};
  return p;
}

}  // namespace augur::predict::testing
