#pragma once
// The PostgreSQL backend of Store, for a fleet: every host's augurd points at one database
// and learns from every host's records. Same contract as the SQLite store (store.h,
// records.h), with these fleet rules:
//   - put_baseline keeps the newest: an upsert by (host_id, key) replaces the stored row only
//     when its updated_unix_ms is not older, so a late replay (an outbox draining after an
//     outage) never overwrites a newer baseline;
//   - labelled_patterns, unlabelled_patterns and baselines(version) span every host;
//   - type baselines ("type:" keys) also feed a per-type fleet aggregate (table
//     type_aggregates, schema v2): put_baseline updates it in the same transaction as the
//     host's row (aggregate - previous row + new row, under the aggregate row's lock, so
//     writers of one type queue and other types do not), and fleet_type_others reads it with
//     the host's own row in one snapshot and returns the fleet minus that host, one row per
//     type (docs/fleet.md "Fleet aggregate");
//   - the store epoch in assigned record ids is made once per host in the database (table
//     augur_hosts), and sequences are kept per (host, kind) in the database, so several
//     store objects of one host never hand out one id twice.
//
// Schema: table augur_meta holds schema_version; migrations run forward at open, one
// transaction holding pg_advisory_xact_lock(kPostgresMigrationLock), so hosts starting at
// once do not race. A database at the current version runs no DDL (hosts may use a role
// without CREATE once the schema exists). A newer version than this build knows is an Error:
// never migrated down, never dropped.
//
// Connection: one libpq connection per store object, every call serialised by a mutex (a
// caller waits for the call ahead of it). A lost connection fails the call at once and is
// reopened by the next call: one attempt per call, bounded by connect_timeout, then the
// statements prepared again. So a down server costs a call at most about connect_timeout.
// Each statement is awaited against a deadline of statement_timeout + connect_timeout: a
// server or network gone silent costs that, not a TCP timeout of minutes. Errors whose
// errno_value is ENOTCONN or ETIMEDOUT mean "the database is unreachable: retry later";
// any other Error is about the request itself. Messages name the server by
// redact_conninfo(): passwords never appear.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "augur/store/store.h"
#include "augur/util/result.h"

namespace augur::store {

inline constexpr int kPostgresSchemaVersion = 2;
// The advisory lock key of migrations: "augur" in ASCII, so it is recognisable in pg_locks.
inline constexpr std::int64_t kPostgresMigrationLock = 0x6175677572;

struct PostgresStoreOptions {
  // A libpq connection string or URI: "host=db1 dbname=augur user=augur sslmode=verify-full",
  // "service=augur" (libpq reads pg_service.conf), "postgresql://augur@db1/augur". Passwords,
  // TLS options and the rest pass to libpq untouched; keep passwords in a service or
  // ~/.pgpass file rather than here.
  std::string conninfo;
  std::string host_id;  // required: written into records left without one
  // Bounds each connection attempt; overrides any connect_timeout in conninfo, because it is
  // the store's bound on how long a down server can block a call. libpq counts whole seconds
  // (an attempt ends 0-1 s early) and raises values below 2 s to 2 s.
  std::chrono::seconds connect_timeout{5};
  // The server's statement_timeout for this session (0: none). The store itself gives up on a
  // statement that has no answer after statement_timeout + connect_timeout, and reconnects.
  std::chrono::milliseconds statement_timeout{5000};
  // Wall clock for the store epoch made when a host first writes (tests pin it).
  std::function<std::int64_t()> unix_seconds;
};

// Connects, migrates the schema and registers the host. Errors: the server cannot be
// reached (errno_value ENOTCONN or ETIMEDOUT), authentication, a failed migration (rolled
// back: the database is left as it was), or a newer schema version.
[[nodiscard]] Result<std::unique_ptr<Store>> open_postgres_store(
    const PostgresStoreOptions& options);

// The conninfo for messages: every option it sets, with password and sslpassword (any option
// libpq marks secret) replaced by "***". A string libpq cannot parse yields
// "<unparsable conninfo>", since it might hold anything.
[[nodiscard]] std::string redact_conninfo(std::string_view conninfo);

}  // namespace augur::store
