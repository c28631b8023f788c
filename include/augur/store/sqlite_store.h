#pragma once
// The embedded SQLite backend of Store.
//
// On disk: one SQLite file (default /var/lib/augur/augur.db) in WAL mode with
// synchronous=NORMAL: a crash of the process loses nothing committed; a power cut may lose
// the last transactions but never corrupts the file (SQLite's WAL guarantee). Baselines and
// patterns are relearnable, so that is the right trade against an fsync per tick.
// busy_timeout lets augurctl read while the daemon writes. Every multi-statement write is
// one transaction; statements are prepared once per store.
//
// Schema version: PRAGMA user_version, migrated forward one step at a time (v1: baselines,
// episodes, changes, sequences, meta; v2: patterns; v3: the fleet outbox). Opening a file
//   - older than kSchemaVersion: migrated in place, each step in its own transaction;
//   - newer than kSchemaVersion: moved aside to "<path>.newer-<version>" and a fresh store
//     created (never migrated down, never overwritten);
//   - not a database, or failing PRAGMA quick_check: moved aside to
//     "<path>.corrupt-<unix seconds>" and a fresh store created.
// Its -wal and -shm files move with it; if the target name exists, "-<n>" is appended.
// What happened is returned in OpenedStore::notice for the daemon to log.
//
// Threads: one connection per store object, every call serialised by a mutex, so one
// object may be shared by the analyser and actuator threads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "augur/store/local_store.h"
#include "augur/util/result.h"

namespace augur::store {

inline constexpr int kSchemaVersion = 3;
// prune_instance_baselines deletes at most this many rows per statement (and transaction).
inline constexpr std::size_t kSqlitePruneBatch = 1000;

struct SqliteStoreOptions {
  std::string path;     // the database file; its folder must exist
  std::string host_id;  // required: written into records left without one
  std::chrono::milliseconds busy_timeout{5000};
  // Size cap in pages (SQLite's default page is 4 KiB); 0 = none. Past it writes fail
  // with SQLITE_FULL, which is reported like a full disk.
  std::int64_t max_pages = 0;
  // Wall clock for the ".corrupt-<unix seconds>" suffix and the store epoch (tests pin it).
  std::function<std::int64_t()> unix_seconds;
  // Queue every write that changes a row in the outbox, in the same transaction, for the
  // fleet layer to send to the shared store (baselines: only "type:" keys, the shared ones). Off
  // for a store without a fleet, and for the fleet layer's second connection that imports other
  // hosts' records.
  bool record_outbox = false;
};

struct MovedAside {
  std::string reason;  // "corrupt: <sqlite message>" or "newer schema version <n>"
  std::string from;
  std::string to;
};

struct OpenedStore {
  std::unique_ptr<LocalStore> store;
  std::optional<MovedAside> moved_aside;
  int migrated_from = -1;  // the file's version before migration; -1 when none was needed
  // One line for the log: what was moved where, or which migration ran; empty otherwise.
  [[nodiscard]] std::string notice() const;
};

// Opens or creates the store. Errors: cannot create or open the file (permissions, missing
// folder), a failed migration (the file is left as it was), or the file cannot be moved
// aside.
[[nodiscard]] Result<OpenedStore> open_sqlite_store(const SqliteStoreOptions& options);

}  // namespace augur::store
