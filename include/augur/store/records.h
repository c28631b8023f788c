#pragma once
// What the store keeps. Every record carries the host that made it and a stable record id,
// so a fleet store can merge the records of many hosts idempotently (insert-or-ignore on
// record_id).
//
// Record ids (assigned by the store when left empty):
//   baselines:  "<host_id>:baseline:<key>" -- the natural key; re-putting replaces it, and
//               a fleet merge keeps the newest updated_unix_ms.
//   others:     "<host_id>:<kind>:<store_epoch>:<seq>", kind = episode | pattern | change,
//               seq a per-(host, kind) counter kept in the store (monotonic across
//               restarts), store_epoch a token made once when the store file is created
//               (creation unix ms and 32 random bits, hex) so a fresh store made after a
//               corrupt one was moved aside never reuses an id of the old file.
// A record put with a record id that already exists is ignored (first write wins).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/resource.h"

namespace augur::store {

// The two kinds of baseline key (BaselineRecord::key).
inline constexpr std::string_view kTypeKeyPrefix = "type:";          // "type:<app>"
inline constexpr std::string_view kInstanceKeyPrefix = "instance:";  // "instance:<id>"
// The pseudo host under which a fleet cache keeps, per type, the merge of every other host's
// contribution (Store::fleet_type_others). Reserved: no real host may use it (the stores
// refuse it as their host id), and it is never sent to the shared store.
inline constexpr std::string_view kFleetOthersHostId = "fleet:others";

// A learned baseline, opaque to the store: the drift module serialises it into `payload`.
// key: "type:<app>" or "instance:<id>".
struct BaselineRecord {
  std::string record_id;
  std::string host_id;
  std::string key;
  std::uint32_t feature_table_version = 0;
  std::string payload;
  std::int64_t updated_unix_ms = 0;
  bool operator==(const BaselineRecord&) const = default;
};

struct EpisodeRecord {
  std::string record_id;
  std::string host_id;
  std::string instance_id;
  std::string app_type;
  std::int64_t start_unix_ms = 0;
  std::optional<std::int64_t> end_unix_ms;  // empty while the episode is open
  double peak_score = 0;
  std::uint32_t feature_table_version = 0;
  std::vector<double> direction;  // over the feature table of that version
  std::vector<FeatureContribution> top_features;
  bool operator==(const EpisodeRecord&) const;
};

// An episode's pattern for the predictor; outcome is empty until labelled.
struct PatternRecord {
  std::string record_id;  // the pattern's id
  std::string host_id;
  std::string instance_id;
  std::string app_type;
  std::int64_t created_unix_ms = 0;
  double magnitude = 0;
  std::uint32_t feature_table_version = 0;
  std::vector<double> direction;
  ResourceVector usage;       // at the episode's start (NaN: unknown)
  ResourceVector allocation;  // at the episode's start
  ResourceVector host_load;   // host utilisation per resource, 0..1
  std::optional<ResourceVector> outcome;
  std::optional<std::int64_t> labelled_unix_ms;
  bool operator==(const PatternRecord&) const;
};

// One entry of the audit trail of allocation changes.
struct ChangeRecord {
  std::string record_id;
  std::string host_id;
  std::string instance_id;
  Resource resource = Resource::kCpu;
  double old_value = 0;
  double new_value = 0;
  Mode mode = Mode::kObserve;
  std::string reason;
  std::int64_t unix_ms = 0;
  bool operator==(const ChangeRecord&) const = default;
};

struct TableCounts {
  std::size_t baselines = 0;
  std::size_t episodes = 0;
  std::size_t patterns = 0;
  std::size_t labelled_patterns = 0;
  std::size_t changes = 0;
};

}  // namespace augur::store
