#include "pg_schema.h"

#include <array>
#include <charconv>
#include <string>

#include "augur/store/postgres_store.h"
#include "fleet_aggregate.h"

namespace augur::store::detail {

namespace {

// v1: the fleet store. Every record table has host_id. row_no orders rows written in the
// same millisecond by arrival, as SQLite's rowid does. Baselines sort by key and host in
// byte order (COLLATE "C"), as SQLite's BINARY does, whatever the database's collation. Partial
// indexes serve the predictor's fleet-wide reads of labelled (newest first) and unlabelled (oldest
// first) patterns; the (instance, time) indexes serve the per-instance reads.
constexpr const char* kV0ToV1 = R"sql(
CREATE TABLE augur_hosts(host_id text PRIMARY KEY, epoch text NOT NULL,
                         created_unix_ms bigint NOT NULL);
CREATE TABLE augur_sequences(host_id text NOT NULL, kind text NOT NULL,
                             next_seq bigint NOT NULL, PRIMARY KEY(host_id, kind));
CREATE TABLE baselines(record_id text PRIMARY KEY, host_id text COLLATE "C" NOT NULL,
                       key text COLLATE "C" NOT NULL,
                       feature_table_version bigint NOT NULL, payload bytea NOT NULL,
                       updated_unix_ms bigint NOT NULL, UNIQUE(host_id, key));
CREATE INDEX baselines_version_key ON baselines(feature_table_version, key, host_id);
CREATE TABLE episodes(row_no bigint GENERATED ALWAYS AS IDENTITY,
                      record_id text PRIMARY KEY, host_id text NOT NULL,
                      instance_id text NOT NULL, app_type text NOT NULL,
                      start_unix_ms bigint NOT NULL, end_unix_ms bigint,
                      peak_score float8 NOT NULL, feature_table_version bigint NOT NULL,
                      direction bytea NOT NULL, top_features text NOT NULL);
CREATE INDEX episodes_instance ON episodes(instance_id, start_unix_ms, row_no);
CREATE TABLE patterns(row_no bigint GENERATED ALWAYS AS IDENTITY,
                      record_id text PRIMARY KEY, host_id text NOT NULL,
                      instance_id text NOT NULL, app_type text NOT NULL,
                      created_unix_ms bigint NOT NULL, magnitude float8 NOT NULL,
                      feature_table_version bigint NOT NULL, direction bytea NOT NULL,
                      usage bytea NOT NULL, allocation bytea NOT NULL, host_load bytea NOT NULL,
                      outcome bytea, labelled_unix_ms bigint);
CREATE INDEX patterns_labelled ON patterns(created_unix_ms DESC, row_no DESC)
    WHERE outcome IS NOT NULL;
CREATE INDEX patterns_unlabelled ON patterns(created_unix_ms, row_no) WHERE outcome IS NULL;
CREATE TABLE changes(row_no bigint GENERATED ALWAYS AS IDENTITY,
                     record_id text PRIMARY KEY, host_id text NOT NULL,
                     instance_id text NOT NULL, resource text NOT NULL, old_value float8 NOT NULL,
                     new_value float8 NOT NULL, mode text NOT NULL, reason text NOT NULL,
                     unix_ms bigint NOT NULL);
CREATE INDEX changes_instance ON changes(instance_id, unix_ms DESC, row_no DESC);
CREATE INDEX changes_newest ON changes(unix_ms DESC, row_no DESC);
)sql";

// v2: the per-type fleet aggregate (docs/fleet.md "Fleet aggregate"): per type key and
// feature table version, the merge of every host's contributing row (fleet_aggregate.h), so a
// refresh reads one row per type instead of one per host and type. A host's type write
// updates it in the same transaction as its own row, holding the aggregate row's lock.
// `contributors` counts the merged rows; an aggregate that lost its last one stays, empty,
// as the row writers lock. Backfilled from the existing rows by pg_backfill_aggregates.
constexpr const char* kV1ToV2 = R"sql(
CREATE TABLE type_aggregates(key text COLLATE "C" NOT NULL,
                             feature_table_version bigint NOT NULL, payload bytea NOT NULL,
                             contributors bigint NOT NULL, updated_unix_ms bigint NOT NULL,
                             PRIMARY KEY(key, feature_table_version));
)sql";

// A step's SQL, then (when not null) what C++ must compute inside the same transaction: a
// backfill that needs the baseline merge, which SQL cannot do.
struct Step {
  const char* sql;
  Status (*after)(PgConnection& conn);
};

constexpr std::array<Step, kPostgresSchemaVersion> kSteps = {
    Step{kV0ToV1, nullptr}, Step{kV1ToV2, &pg_backfill_aggregates}};

// The version recorded in augur_meta, creating the table on an empty database (0).
Result<int> read_version(PgConnection& conn) {
  auto exists =
      conn.exec_params("SELECT to_regclass('augur_meta')::text", {}, {}, "looking for augur_meta");
  if (!exists) return exists.error();
  if (PQgetisnull(exists->get(), 0, 0) != 0) {
    auto made = conn.exec("CREATE TABLE augur_meta(name text PRIMARY KEY, value text NOT NULL)",
                          "creating augur_meta");
    if (!made) return made.error();
    return 0;
  }
  auto r = conn.exec_params("SELECT value FROM augur_meta WHERE name = 'schema_version'", {}, {},
                            "reading schema_version");
  if (!r) return r.error();
  if (PQntuples(r->get()) == 0) return 0;
  const std::string text = PgRow(r->get(), 0).text(0);
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc{} || end != text.data() + text.size() || version < 0) {
    return Error{"augur_meta holds a malformed schema_version '" + text + "'", conn.where()};
  }
  return version;
}

// Everything after BEGIN; the caller commits or rolls back.
Result<int> migrate_locked(PgConnection& conn) {
  PgParams lock;
  lock.int8(kPostgresMigrationLock);
  auto locked = conn.exec_params("SELECT pg_advisory_xact_lock($1)", lock, {kOidInt8},
                                 "taking the migration lock");
  if (!locked) return locked.error();
  auto found = read_version(conn);
  if (!found) return found;
  const int from = *found;
  if (from > kPostgresSchemaVersion) {
    return Error{"the PostgreSQL store has schema version " + std::to_string(from) +
                     ", newer than this Augur knows (" + std::to_string(kPostgresSchemaVersion) +
                     "); refusing to use it (never migrated down)",
                 conn.where()};
  }
  for (int v = from; v < kPostgresSchemaVersion; ++v) {
    const Step& step = kSteps[static_cast<std::size_t>(v)];
    const std::string what =
        "migrating store schema v" + std::to_string(v) + " -> v" + std::to_string(v + 1);
    if (auto done = conn.exec(step.sql, what); !done) return done.error();
    if (step.after != nullptr) {
      if (auto done = step.after(conn); !done) {
        const Error& e = done.error();
        return Error{what + ": " + e.what, e.where, e.errno_value};
      }
    }
  }
  if (from < kPostgresSchemaVersion) {
    PgParams p;
    p.text(std::to_string(kPostgresSchemaVersion));
    auto set = conn.exec_params(
        "INSERT INTO augur_meta(name, value) VALUES('schema_version', $1) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        p, {kOidText}, "recording schema_version");
    if (!set) return set.error();
  }
  return from;
}

}  // namespace

const char* pg_migration_sql(int from_version) {
  if (from_version < 0 || from_version >= kPostgresSchemaVersion) return nullptr;
  return kSteps[static_cast<std::size_t>(from_version)].sql;
}

// The recorded version without creating anything or taking a lock; 0 when absent. Looks in
// pg_class by a plain scan, not to_regclass: a name lookup that misses leaves a negative
// catalog cache entry, which waiting on an advisory lock does not invalidate, so the locked
// path below would then miss a table another host has just created.
Result<int> peek_version(PgConnection& conn) {
  auto exists = conn.exec_params(
      "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      "ON n.oid = c.relnamespace WHERE c.relname = 'augur_meta' AND n.nspname = current_schema()",
      {}, {}, "looking for augur_meta");
  if (!exists) return exists.error();
  if (PQntuples(exists->get()) == 0) return 0;
  return read_version(conn);
}

Result<int> pg_migrate(PgConnection& conn) {
  // Every start after the schema is current skips the lock: a fleet restarting at once would
  // otherwise queue on it one host at a time (200 hosts: seconds, past statement_timeout).
  if (auto current = peek_version(conn); current && *current == kPostgresSchemaVersion) {
    return *current;
  }
  if (auto begin = conn.exec("BEGIN", "starting the migration"); !begin) return begin.error();
  auto from = migrate_locked(conn);
  if (!from) {
    if (conn.connected()) (void)conn.exec("ROLLBACK", "rolling back the migration");
    return from;
  }
  if (auto commit = conn.exec("COMMIT", "committing the migration"); !commit) {
    return commit.error();
  }
  return from;
}

}  // namespace augur::store::detail
