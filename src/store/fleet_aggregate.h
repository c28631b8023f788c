#pragma once
// Internal: the per-type fleet aggregate (docs/fleet.md "Fleet aggregate"). The store keeps
// baseline payloads opaque except here: to keep one merged row per type in PostgreSQL and to
// hand a host the fleet minus its own contribution, it must merge and subtract them.
//
// A row contributes to its type's aggregate exactly when its payload decodes as a baseline
// of the row's feature table version (decode_contribution); the write path, the migration's
// backfill and the read path's exclusion of a host's own row all use that one rule, so what
// is subtracted is always what was added.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/drift/baseline.h"
#include "augur/store/records.h"
#include "augur/util/result.h"
#include "pg_connection.h"

namespace augur::store::detail {

// The baseline a type row contributes, or nullopt when it contributes nothing (another
// feature table version than this build's, or a payload that is not a baseline).
std::optional<drift::Baseline> decode_contribution(std::string_view payload,
                                                   std::uint32_t feature_table_version);

// One type's aggregate: the merge of `contributors` hosts' rows; empty when none.
struct TypeAggregate {
  std::optional<drift::Baseline> merged;
  std::int64_t contributors = 0;
  std::int64_t updated_unix_ms = 0;
};

// Adds one contribution (the first one is copied: merging into an empty baseline that
// tracks no co-moments would drop the contribution's).
void add_contribution(TypeAggregate& agg, const drift::Baseline& part, std::int64_t updated_ms);
// Removes one contribution that was added before; an Error when it cannot have been.
Status remove_contribution(TypeAggregate& agg, const drift::Baseline& part);

// The row the fleet layer caches for a type: `others` under kFleetOthersHostId.
BaselineRecord others_record(std::string_view key, std::uint32_t feature_table_version,
                             const drift::Baseline& others, std::int64_t updated_unix_ms);

// The aggregate of (key, version) recomputed from every contributing row in the database
// (host order, so the result does not depend on the order rows arrive), skipping the row of
// `except_host` when not empty. For the migration's backfill and as the write path's repair
// when an increment finds the stored aggregate inconsistent. Runs in the caller's
// transaction.
Result<TypeAggregate> pg_rebuild_aggregate(PgConnection& conn, const std::string& key,
                                           std::int64_t feature_table_version,
                                           const std::string& except_host = {});
// Upserts the aggregate row (an empty aggregate is kept with 0 contributors and an empty
// payload, so the row stays lockable).
Status pg_write_aggregate(PgConnection& conn, const std::string& key,
                          std::int64_t feature_table_version, const TypeAggregate& agg);
// Recomputes type_aggregates from the type rows of baselines: every version (the v1 -> v2
// migration's backfill), or every version but `except_version` (after pruning other
// versions' rows; their aggregates without rows are deleted).
Status pg_backfill_aggregates(PgConnection& conn);
Status pg_backfill_aggregates(PgConnection& conn, std::int64_t except_version);

}  // namespace augur::store::detail
