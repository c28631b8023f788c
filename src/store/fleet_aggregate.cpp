#include "fleet_aggregate.h"

#include <map>
#include <utility>

#include "augur/drift/baseline_codec.h"
#include "augur/store/store.h"
#include "record_rows.h"

namespace augur::store {

namespace detail {

std::optional<drift::Baseline> decode_contribution(std::string_view payload,
                                                   std::uint32_t feature_table_version) {
  auto b = drift::deserialize(payload);
  if (!b || b->feature_table_version != feature_table_version) return std::nullopt;
  return std::move(*b);
}

void add_contribution(TypeAggregate& agg, const drift::Baseline& part, std::int64_t updated_ms) {
  if (agg.contributors <= 0 || !agg.merged) {
    agg.merged = part;
    agg.contributors = 1;
  } else {
    drift::merge_into(*agg.merged, part);
    ++agg.contributors;
  }
  agg.updated_unix_ms = std::max(agg.updated_unix_ms, updated_ms);
}

Status remove_contribution(TypeAggregate& agg, const drift::Baseline& part) {
  if (agg.contributors <= 0 || !agg.merged) {
    return Error{"the fleet aggregate holds no contribution to remove", ""};
  }
  if (agg.contributors == 1) {
    // The last one: nothing is left, whatever rounding says (and no residue carries over).
    agg.merged.reset();
    agg.contributors = 0;
    return {};
  }
  if (auto s = drift::remove_from(*agg.merged, part); !s) return s.error();
  --agg.contributors;
  return {};
}

BaselineRecord others_record(std::string_view key, std::uint32_t feature_table_version,
                             const drift::Baseline& others, std::int64_t updated_unix_ms) {
  BaselineRecord r;
  r.host_id = std::string(kFleetOthersHostId);
  r.key = std::string(key);
  r.record_id = r.host_id + ":baseline:" + r.key;
  r.feature_table_version = feature_table_version;
  r.payload = drift::serialize(others);
  r.updated_unix_ms = updated_unix_ms;
  return r;
}

Result<TypeAggregate> pg_rebuild_aggregate(PgConnection& conn, const std::string& key,
                                           std::int64_t feature_table_version,
                                           const std::string& except_host) {
  PgParams p;
  p.text(key).int8(feature_table_version).text(except_host);
  auto r = conn.exec_params(
      "SELECT payload, updated_unix_ms FROM baselines WHERE key = $1 AND "
      "feature_table_version = $2 AND host_id <> $3 ORDER BY host_id",
      p, {kOidText, kOidInt8, kOidText}, "rebuilding the fleet aggregate of " + key);
  if (!r) return r.error();
  TypeAggregate agg;
  const int n = PQntuples(r->get());
  for (int i = 0; i < n; ++i) {
    PgRow row(r->get(), i);
    const std::string payload = row.bytes(0);
    const std::int64_t updated = row.int8(1);
    if (!row.ok()) return Error{"rebuilding the fleet aggregate: malformed row", conn.where()};
    auto b = decode_contribution(payload, static_cast<std::uint32_t>(feature_table_version));
    if (b) add_contribution(agg, *b, updated);
  }
  return agg;
}

Status pg_write_aggregate(PgConnection& conn, const std::string& key,
                          std::int64_t feature_table_version, const TypeAggregate& agg) {
  PgParams p;
  p.text(key)
      .int8(feature_table_version)
      .bytea(agg.merged && agg.contributors > 0 ? drift::serialize(*agg.merged) : std::string())
      .int8(agg.merged ? agg.contributors : 0)
      .int8(agg.updated_unix_ms);
  auto r = conn.exec_params(
      "INSERT INTO type_aggregates(key, feature_table_version, payload, contributors, "
      "updated_unix_ms) VALUES($1, $2, $3, $4, $5) ON CONFLICT (key, feature_table_version) "
      "DO UPDATE SET payload = excluded.payload, contributors = excluded.contributors, "
      "updated_unix_ms = excluded.updated_unix_ms",
      p, {kOidText, kOidInt8, kOidBytea, kOidInt8, kOidInt8},
      "writing the fleet aggregate of " + key);
  if (!r) return r.error();
  return {};
}

namespace {

Status backfill(PgConnection& conn, std::optional<std::int64_t> except_version) {
  if (except_version) {
    PgParams drop;
    drop.int8(*except_version);
    auto r = conn.exec_params("DELETE FROM type_aggregates WHERE feature_table_version <> $1", drop,
                              {kOidInt8}, "dropping other versions' fleet aggregates");
    if (!r) return r.error();
  }
  PgParams p;
  p.text(kTypeKeyPrefix).text(key_range_end(kTypeKeyPrefix)).int8(except_version.value_or(-1));
  auto keys = conn.exec_params(
      "SELECT DISTINCT key, feature_table_version FROM baselines WHERE key >= $1 AND key < $2 "
      "AND feature_table_version <> $3 ORDER BY key, feature_table_version",
      p, {kOidText, kOidText, kOidInt8}, "listing the type baselines to aggregate");
  if (!keys) return keys.error();
  const int n = PQntuples(keys->get());
  for (int i = 0; i < n; ++i) {
    PgRow row(keys->get(), i);
    const std::string key = row.text(0);
    const std::int64_t version = row.int8(1);
    if (!row.ok()) return Error{"backfilling fleet aggregates: malformed row", conn.where()};
    auto agg = pg_rebuild_aggregate(conn, key, version);
    if (!agg) return agg.error();
    if (auto s = pg_write_aggregate(conn, key, version, *agg); !s) return s;
  }
  return {};
}

}  // namespace

Status pg_backfill_aggregates(PgConnection& conn) {
  return backfill(conn, std::nullopt);
}

Status pg_backfill_aggregates(PgConnection& conn, std::int64_t except_version) {
  return backfill(conn, except_version);
}

}  // namespace detail

// Generic and O(rows): every other host's type rows merged per type, in host order. A
// shared store that keeps aggregates (PostgreSQL) answers from them instead.
Result<std::vector<BaselineRecord>> Store::fleet_type_others(std::uint32_t feature_table_version,
                                                             std::string_view exclude_host) {
  const std::string_view excluded =
      exclude_host.empty() ? std::string_view(host_id()) : exclude_host;
  auto rows = baselines(feature_table_version);
  if (!rows) return rows.error();
  std::map<std::string, detail::TypeAggregate, std::less<>> per_type;
  for (const BaselineRecord& r : *rows) {  // ordered by key, then host
    if (!r.key.starts_with(kTypeKeyPrefix)) continue;
    // A kFleetOthersHostId row (a fleet cache's) is the other hosts already merged: it
    // counts as one more contribution here.
    if (r.host_id == excluded) continue;
    auto b = detail::decode_contribution(r.payload, r.feature_table_version);
    if (b) detail::add_contribution(per_type[r.key], *b, r.updated_unix_ms);
  }
  std::vector<BaselineRecord> out;
  for (const auto& [key, agg] : per_type) {
    if (!agg.merged) continue;
    out.push_back(
        detail::others_record(key, feature_table_version, *agg.merged, agg.updated_unix_ms));
  }
  return out;
}

}  // namespace augur::store
