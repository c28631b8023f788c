#pragma once
// One Sample per instance per tick: rates over the tick, never raw counters. A metric the
// host cannot measure is missing (with a reason), never zero.
#include <array>
#include <bitset>
#include <string>
#include <utility>
#include <vector>

#include "augur/core/metric.h"
#include "augur/core/resource.h"
#include "augur/util/clock.h"

namespace augur {

struct Sample {
  std::string instance_id;
  SteadyTime at{};   // end of the interval the rates cover
  Nanos elapsed{0};  // length of that interval
  std::array<double, kMetricCount> values{};
  std::bitset<kMetricCount> present;
  std::vector<std::pair<Metric, std::string>> missing_reasons;  // only for missing metrics
  std::vector<double> vcpu_utilisation;                         // per vCPU thread, 0..1
  double multiplex_ratio = 1.0;  // time_running / time_enabled, worst group
  ResourceVector allocation;     // in force during the interval

  void set(Metric m, double v) {
    values[static_cast<std::size_t>(m)] = v;
    present.set(static_cast<std::size_t>(m));
  }
  [[nodiscard]] bool has(Metric m) const { return present.test(static_cast<std::size_t>(m)); }
  [[nodiscard]] double get(Metric m) const { return values[static_cast<std::size_t>(m)]; }
  void mark_missing(Metric m, std::string reason) {
    present.reset(static_cast<std::size_t>(m));
    missing_reasons.emplace_back(m, std::move(reason));
  }
};

}  // namespace augur
