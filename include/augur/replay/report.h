#pragma once
// Replay results as JSON (the shape of issue 7, point 6, with more keys), CSV and a human
// table. NaN figures are null in JSON, empty in CSV and "-" in the table.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "augur/replay/host.h"
#include "augur/replay/replay.h"

namespace augur::replay {

struct ReplayReport {
  const HostModel* host = nullptr;
  std::vector<PolicyRun> runs;  // in the order run
  double ticks_per_second = 0;  // ticks x policies / wall time of the runs
};

// {"trace", "format", "aggregate", "instances", "ticks", "ticks_per_second", "step_s",
//  "horizon_steps", "host_capacity", "floors", "input": {rows, dropped, masked, ...},
//  "policies": {name: {"total": M, "resources": {"cpu": M, ...}, ...}}}. Every key named
// "ticks_per_second" holds a timing; nothing else depends on the machine or the run.
nlohmann::ordered_json to_json(const ReplayReport& report);

// One line per policy and scope (total, cpu, memory, disk, network):
// policy,scope,under_provisioned_minutes,unmet_demand,... with a header line.
void write_csv(const ReplayReport& report, std::ostream& out);

// The human table: one block per scope, one row per policy.
void write_table(const ReplayReport& report, std::ostream& out);

}  // namespace augur::replay
