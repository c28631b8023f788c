#pragma once
// The store seam: SQLite on one host now, PostgreSQL for a fleet later. Every method
// returns an Error value (never throws); a full disk is an Error like any other.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/store/records.h"
#include "augur/util/result.h"

namespace augur::store {

class Store {
 public:
  virtual ~Store() = default;

  // The host whose records this store writes by default (records with an empty host_id).
  [[nodiscard]] virtual const std::string& host_id() const = 0;

  // Upsert by (host_id, key): the record id is "<host>:baseline:<key>" (see records.h).
  virtual Status put_baseline(const BaselineRecord& baseline) = 0;
  // The baseline of `key` written by `host_id` (empty: this store's host) when its
  // feature_table_version equals `feature_table_version`. Feature-table rule: a stored
  // baseline of another version is kept but ignored (nullopt here, relearned from data)
  // until prune_stale_baselines removes it.
  virtual Result<std::optional<BaselineRecord>> get_baseline(std::string_view key,
                                                             std::uint32_t feature_table_version,
                                                             std::string_view host_id = {}) = 0;
  // Every baseline of that version (all hosts), ordered by key then host.
  virtual Result<std::vector<BaselineRecord>> baselines(std::uint32_t feature_table_version) = 0;
  // Deletes baselines of a version other than `current_version` last updated before
  // `older_than_unix_ms` (the daemon passes now - store.retention.stale_versions, default
  // 30 days); returns how many.
  virtual Result<std::size_t> prune_stale_baselines(std::uint32_t current_version,
                                                    std::int64_t older_than_unix_ms) = 0;
  // Deletes this store's host's instance baselines (keys "instance:<id>", any version) last
  // updated before `older_than_unix_ms`; returns how many. Type baselines and other hosts'
  // rows are never touched. The daemon passes now - store.retention.instance_baselines
  // (default 14 days), right after saving every live instance's baseline, so only instances
  // gone that long lose theirs.
  virtual Result<std::size_t> prune_instance_baselines(std::int64_t older_than_unix_ms) = 0;

  // Appends return the record id (assigned when the record's is empty). Re-putting an
  // existing record id changes nothing and returns it.
  virtual Result<std::string> append_episode(const EpisodeRecord& episode) = 0;
  virtual Result<std::string> append_pattern(const PatternRecord& pattern) = 0;
  // Sets a pattern's outcome; an unknown record id is an Error.
  virtual Status label_pattern(std::string_view record_id, const ResourceVector& outcome,
                               std::int64_t labelled_unix_ms) = 0;
  // Labelled patterns, newest created first, at most `max_count`.
  virtual Result<std::vector<PatternRecord>> labelled_patterns(std::size_t max_count) = 0;
  // Patterns still waiting for their outcome, oldest first (the labeller resumes them).
  virtual Result<std::vector<PatternRecord>> unlabelled_patterns(std::size_t max_count) = 0;
  // Episodes of one instance, oldest first.
  virtual Result<std::vector<EpisodeRecord>> episodes(std::string_view instance_id) = 0;

  virtual Result<std::string> append_change(const ChangeRecord& change) = 0;
  // The audit trail of one instance (empty: all), newest first, at most `max_count`.
  virtual Result<std::vector<ChangeRecord>> changes(std::string_view instance_id,
                                                    std::size_t max_count) = 0;

  virtual Result<TableCounts> count_rows() = 0;

  // Per type key of that version, one record under kFleetOthersHostId holding the merge of
  // every contribution to the type but `exclude_host`'s (empty: this store's host), excluded
  // exactly, so a host that adds its own baseline counts itself once. Types nobody else
  // contributes to are left out. This version merges every row (O(hosts x types)); the
  // PostgreSQL store reads its per-type aggregates and subtracts the host's row (O(types)).
  virtual Result<std::vector<BaselineRecord>> fleet_type_others(std::uint32_t feature_table_version,
                                                                std::string_view exclude_host = {});

  // Grows whenever records of other hosts arrive in this store (a fleet layer's pulls); a
  // reader of them re-reads only when it changed. Stores that import nothing stay at 0.
  [[nodiscard]] virtual std::uint64_t imported_generation() const { return 0; }
};

}  // namespace augur::store
