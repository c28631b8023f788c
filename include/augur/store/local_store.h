#pragma once
// What the fleet layer needs from the host's own SQLite store beyond the Store seam: the
// outbox of writes not yet sent to the shared store, and each record by id so a queued
// write can be replayed. Kept out of store.h: only the fleet layer and tests use it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/store/store.h"

namespace augur::store {

// What a queued write was. A label is queued separately from its pattern so the shared
// store sees the pattern first and the outcome after, in the order they happened here.
enum class OutboxKind { kBaseline, kEpisode, kPattern, kLabel, kChange };

[[nodiscard]] std::string_view outbox_kind_name(OutboxKind kind);
[[nodiscard]] std::optional<OutboxKind> outbox_kind_from_name(std::string_view name);

struct OutboxEntry {
  std::int64_t seq = 0;  // queue order (SQLite rowid, never reused)
  OutboxKind kind = OutboxKind::kEpisode;
  std::string record_id;
  bool operator==(const OutboxEntry&) const = default;
};

class LocalStore : public Store {
 public:
  // Oldest first, at most `max_count`.
  virtual Result<std::vector<OutboxEntry>> outbox(std::size_t max_count) = 0;
  virtual Result<std::size_t> outbox_size() = 0;
  // Removes entries up to and including `seq` once they reached the shared store.
  virtual Status outbox_remove_through(std::int64_t seq) = 0;

  // Deletes one row of (host, key), any version; whether there was one. The fleet layer
  // drops cached rows the fleet aggregate replaced (never queued: nothing is sent).
  virtual Result<bool> delete_baseline(std::string_view host_id, std::string_view key) = 0;
  virtual Result<std::optional<BaselineRecord>> baseline_by_id(std::string_view record_id) = 0;
  virtual Result<std::optional<EpisodeRecord>> episode_by_id(std::string_view record_id) = 0;
  virtual Result<std::optional<PatternRecord>> pattern_by_id(std::string_view record_id) = 0;
  virtual Result<std::optional<ChangeRecord>> change_by_id(std::string_view record_id) = 0;
};

}  // namespace augur::store
