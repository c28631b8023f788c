#include "schema.h"

#include <array>

#include "augur/store/sqlite_store.h"
#include "sqlite_db.h"

namespace augur::store::detail {

namespace {

// v1: the drift issue's store.
constexpr const char* kV0ToV1 = R"sql(
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sequences(host_id TEXT NOT NULL, kind TEXT NOT NULL, next INTEGER NOT NULL,
                       PRIMARY KEY(host_id, kind));
CREATE TABLE baselines(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL, key TEXT NOT NULL,
                       feature_table_version INTEGER NOT NULL, payload BLOB NOT NULL,
                       updated_unix_ms INTEGER NOT NULL, UNIQUE(host_id, key));
CREATE TABLE episodes(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL,
                      instance_id TEXT NOT NULL, app_type TEXT NOT NULL,
                      start_unix_ms INTEGER NOT NULL, end_unix_ms INTEGER,
                      peak_score REAL NOT NULL, feature_table_version INTEGER NOT NULL,
                      direction BLOB NOT NULL, top_features TEXT NOT NULL);
CREATE INDEX episodes_instance ON episodes(instance_id, start_unix_ms);
CREATE TABLE changes(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL,
                     instance_id TEXT NOT NULL, resource TEXT NOT NULL, old_value REAL,
                     new_value REAL, mode TEXT NOT NULL, reason TEXT NOT NULL,
                     unix_ms INTEGER NOT NULL);
CREATE INDEX changes_instance ON changes(instance_id, unix_ms);
)sql";

// v2: the predictor's pattern history with self-labelled outcomes.
constexpr const char* kV1ToV2 = R"sql(
CREATE TABLE patterns(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL,
                      instance_id TEXT NOT NULL, app_type TEXT NOT NULL,
                      created_unix_ms INTEGER NOT NULL, magnitude REAL NOT NULL,
                      feature_table_version INTEGER NOT NULL, direction BLOB NOT NULL,
                      usage BLOB NOT NULL, allocation BLOB NOT NULL, host_load BLOB NOT NULL,
                      outcome BLOB, labelled_unix_ms INTEGER);
CREATE INDEX patterns_created ON patterns(created_unix_ms);
)sql";

// v3: the fleet outbox. Local writes queued here, in the same transaction as the write,
// until the shared store has them (see fleet_store.h); empty when no fleet is configured.
constexpr const char* kV2ToV3 = R"sql(
CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
                    record_id TEXT NOT NULL);
)sql";

constexpr std::array<const char*, kSchemaVersion> kSteps = {kV0ToV1, kV1ToV2, kV2ToV3};

}  // namespace

const char* migration_sql(int from_version) {
  if (from_version < 0 || from_version >= kSchemaVersion) return nullptr;
  return kSteps[static_cast<std::size_t>(from_version)];
}

Status migrate(sqlite3* db, int from_version, const std::string& path) {
  for (int v = from_version; v < kSchemaVersion; ++v) {
    if (auto s = exec(db, "BEGIN IMMEDIATE", path); !s) return s;
    auto step = exec(db, kSteps[static_cast<std::size_t>(v)], path);
    if (step) step = exec(db, "PRAGMA user_version = " + std::to_string(v + 1), path);
    if (step) step = exec(db, "COMMIT", path);
    if (!step) {
      (void)exec(db, "ROLLBACK", path);
      return Error{"migrating store schema v" + std::to_string(v) + " -> v" +
                       std::to_string(v + 1) + ": " + step.error().what,
                   path, step.error().errno_value};
    }
  }
  return {};
}

}  // namespace augur::store::detail
