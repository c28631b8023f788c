#pragma once
// Records the store tests write and read back: a pattern whose vectors hold unknowns (NaN)
// that must survive, and a labelled outcome. Shared by the SQLite tests and the contract
// suite both backends run.
#include <cstdint>
#include <string>

#include "augur/store/records.h"

namespace augur::store::test {

inline PatternRecord pattern(const std::string& instance, std::int64_t created_ms) {
  PatternRecord p;
  p.instance_id = instance;
  p.app_type = "db";
  p.created_unix_ms = created_ms;
  p.magnitude = 3.5;
  p.feature_table_version = 4;
  p.direction = {0.0, 0.6, 0.8};
  p.usage[Resource::kCpu] = 1.5;
  p.usage[Resource::kDisk] = 2e7;
  p.allocation[Resource::kCpu] = 2;
  p.allocation[Resource::kMemory] = 4e9;
  p.host_load[Resource::kDisk] = 0.8;  // others unknown (NaN) must survive
  return p;
}

inline ResourceVector outcome(double disk) {
  ResourceVector o;
  o[Resource::kCpu] = 0;
  o[Resource::kMemory] = 0;
  o[Resource::kDisk] = disk;
  o[Resource::kNetwork] = 0;
  return o;
}

}  // namespace augur::store::test
