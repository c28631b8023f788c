#pragma once
// The fleet layer: one Store for the daemon that never waits on the network.
//
// Every call is served by the host's own SQLite file (the local store). Writes that change
// a row are queued in that file's outbox in the same transaction; a sync thread sends the
// queue to the shared store (PostgreSQL) in order and removes what arrived, and every
// `refresh_interval` pulls what other hosts wrote (labelled patterns; per type, every other
// host's baseline merged into one row under kFleetOthersHostId, Store::fleet_type_others)
// into the local file, which is the predictor's cache. So:
//   - an outage or a network cut never stalls the control loop: calls touch only the local
//     file; the queue grows and the cache ages while the shared store is away;
//   - nothing is lost: the queue is durable (a restart resumes it) and an entry leaves it
//     only after the shared store accepted it;
//   - nothing is duplicated: records carry stable ids and the shared store ignores a
//     record id it has (a baseline is upserted by host and key), so an entry sent twice
//     (the process died between send and removal) lands once.
// While the shared store is down the thread retries with exponential backoff
// (retry_initial doubling to retry_max); a lost connection or a reconnection is reported
// once through on_event, not on every retry.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "augur/store/local_store.h"
#include "augur/store/sqlite_store.h"

namespace augur::store {

struct FleetEvent {
  enum class Kind {
    kConnected,     // the shared store answered (first time, or again after an outage)
    kDisconnected,  // a call to it failed; `message` says why (credentials never appear)
    kDrained,       // the outbox emptied after an outage; `count` entries sent
    kSkipped,       // a queued record no longer exists locally; dropped from the queue
  };
  Kind kind;
  std::string message;
  std::size_t count = 0;
};

struct FleetStatus {
  bool connected = false;
  std::size_t outbox = 0;                 // entries waiting (as of the last sync pass)
  std::uint64_t sent = 0;                 // entries sent since start
  std::uint64_t pulled = 0;               // records of other hosts imported since start
  std::uint64_t failures = 0;             // sync passes that failed
  std::int64_t last_refresh_unix_ms = 0;  // 0: never
  std::string last_error;                 // empty while connected
};

struct FleetStoreOptions {
  SqliteStoreOptions local;  // path and host id of this host's file; outbox is implied
  // Opens a connection to the shared store (e.g. open_postgres_store with the configured
  // conninfo). Called from the sync thread only, again after every failure.
  std::function<Result<std::unique_ptr<Store>>()> connect;
  std::uint32_t feature_table_version = 0;  // baselines of this version are pulled
  std::chrono::milliseconds refresh_interval{60'000};
  std::chrono::milliseconds drain_interval{1'000};
  std::chrono::milliseconds retry_initial{1'000};
  std::chrono::milliseconds retry_max{60'000};
  std::size_t drain_batch = 500;
  std::size_t pull_patterns = 100'000;  // newest labelled patterns mirrored locally
  // Called from the sync thread; must not call back into the store.
  std::function<void(const FleetEvent&)> on_event;
  // false: no thread; the caller runs sync_now() (tests that step the protocol).
  bool start_thread = true;
  // At destruction, one last pass sends what is queued (bounded by the shared store's
  // connect and statement timeouts; what fails stays queued for the next start).
  bool drain_at_stop = true;
};

class FleetStore final : public Store {
 public:
  // Opens (or migrates, or moves aside) the local file like open_sqlite_store, saying what it
  // did in `local` (its store left empty); the shared store is connected from the sync
  // thread, so a down database does not delay start.
  static Result<std::unique_ptr<FleetStore>> open(FleetStoreOptions options,
                                                  OpenedStore* local = nullptr);
  ~FleetStore() override;
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  [[nodiscard]] const std::string& host_id() const override;
  Status put_baseline(const BaselineRecord& baseline) override;
  Result<std::optional<BaselineRecord>> get_baseline(std::string_view key,
                                                     std::uint32_t feature_table_version,
                                                     std::string_view host_id) override;
  Result<std::vector<BaselineRecord>> baselines(std::uint32_t feature_table_version) override;
  Result<std::size_t> prune_stale_baselines(std::uint32_t current_version,
                                            std::int64_t older_than_unix_ms) override;
  // The local file only: instance baselines are never sent to the shared store.
  Result<std::size_t> prune_instance_baselines(std::int64_t older_than_unix_ms) override;
  Result<std::string> append_episode(const EpisodeRecord& episode) override;
  Result<std::string> append_pattern(const PatternRecord& pattern) override;
  Status label_pattern(std::string_view record_id, const ResourceVector& outcome,
                       std::int64_t labelled_unix_ms) override;
  Result<std::vector<PatternRecord>> labelled_patterns(std::size_t max_count) override;
  Result<std::vector<PatternRecord>> unlabelled_patterns(std::size_t max_count) override;
  Result<std::vector<EpisodeRecord>> episodes(std::string_view instance_id) override;
  Result<std::string> append_change(const ChangeRecord& change) override;
  Result<std::vector<ChangeRecord>> changes(std::string_view instance_id,
                                            std::size_t max_count) override;
  Result<TableCounts> count_rows() override;

  [[nodiscard]] FleetStatus status() const;
  // The records of other hosts pulled since start (FleetStatus::pulled).
  [[nodiscard]] std::uint64_t imported_generation() const override;
  // One pass now: connect if needed, send the whole queue, pull when `refresh` (or when
  // never pulled). The sync thread runs the same; an error leaves the queue as it was.
  Status sync_now(bool refresh = true);

 private:
  struct Impl;
  explicit FleetStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace augur::store
