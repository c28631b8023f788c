#include "augur/store/postgres_store.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <random>
#include <utility>

#include "augur/drift/baseline_codec.h"
#include "codec.h"
#include "fleet_aggregate.h"
#include "pg_connection.h"
#include "pg_schema.h"
#include "record_rows.h"

namespace augur::store {

namespace {

using detail::kOidBytea;
using detail::kOidFloat8;
using detail::kOidInt8;
using detail::kOidText;
using detail::PgConnection;
using detail::PgParams;
using detail::PgResultPtr;
using detail::PgRow;
using detail::PgStatement;

std::int64_t clamp_count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

struct Column {
  const char* name;
  Oid type;
};

// An append-only record table: record_id, then host_id, then the rest.
struct RecordTable {
  const char* table;
  const char* kind;             // in assigned ids: "<host>:<kind>:<epoch>:<seq>"
  std::vector<Column> columns;  // after record_id; the first is host_id
};

const RecordTable kEpisodes{"episodes",
                            "episode",
                            {{"host_id", kOidText},
                             {"instance_id", kOidText},
                             {"app_type", kOidText},
                             {"start_unix_ms", kOidInt8},
                             {"end_unix_ms", kOidInt8},
                             {"peak_score", kOidFloat8},
                             {"feature_table_version", kOidInt8},
                             {"direction", kOidBytea},
                             {"top_features", kOidText}}};

const RecordTable kPatterns{"patterns",
                            "pattern",
                            {{"host_id", kOidText},
                             {"instance_id", kOidText},
                             {"app_type", kOidText},
                             {"created_unix_ms", kOidInt8},
                             {"magnitude", kOidFloat8},
                             {"feature_table_version", kOidInt8},
                             {"direction", kOidBytea},
                             {"usage", kOidBytea},
                             {"allocation", kOidBytea},
                             {"host_load", kOidBytea},
                             {"outcome", kOidBytea},
                             {"labelled_unix_ms", kOidInt8}}};

const RecordTable kChanges{"changes",
                           "change",
                           {{"host_id", kOidText},
                            {"instance_id", kOidText},
                            {"resource", kOidText},
                            {"old_value", kOidFloat8},
                            {"new_value", kOidFloat8},
                            {"mode", kOidText},
                            {"reason", kOidText},
                            {"unix_ms", kOidInt8}}};

// Two statements per table, taking the same parameters: "put_<kind>" inserts with the
// record id given in $1; "put_<kind>_seq" takes the store epoch in $1 instead, draws the
// next per-(host, kind) sequence number and inserts under the id it makes, in one
// statement (atomic without a transaction) that returns the id.
std::vector<PgStatement> insert_statements(const RecordTable& t) {
  std::string cols = "record_id";
  std::string given_values = "$1";
  std::string seq_values = "seq.record_id";
  std::vector<Oid> types{kOidText};
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const std::string param = "$" + std::to_string(i + 2);
    cols += std::string(", ") + t.columns[i].name;
    given_values += ", " + param;
    seq_values += ", " + param;
    types.push_back(t.columns[i].type);
  }
  const std::string kind = t.kind;
  PgStatement given{"put_" + kind,
                    std::string("INSERT INTO ") + t.table + "(" + cols + ") VALUES(" +
                        given_values + ") ON CONFLICT (record_id) DO NOTHING",
                    types};
  PgStatement seq{
      "put_" + kind + "_seq",
      "WITH seq AS (INSERT INTO augur_sequences(host_id, kind, next_seq) VALUES($2, '" + kind +
          "', 2) ON CONFLICT (host_id, kind) DO UPDATE SET next_seq = augur_sequences.next_seq "
          "+ 1 RETURNING $2 || ':" +
          kind + ":' || $1 || ':' || (next_seq - 1) AS record_id), ins AS (INSERT INTO " + t.table +
          "(" + cols + ") SELECT " + seq_values +
          " FROM seq ON CONFLICT (record_id) DO NOTHING) SELECT record_id FROM seq",
      types};
  return {given, seq};
}

constexpr const char* kBaselineColumns =
    "record_id, host_id, key, feature_table_version, payload, updated_unix_ms";
constexpr const char* kEpisodeColumns =
    "record_id, host_id, instance_id, app_type, start_unix_ms, end_unix_ms, peak_score, "
    "feature_table_version, direction, top_features";
constexpr const char* kPatternColumns =
    "record_id, host_id, instance_id, app_type, created_unix_ms, magnitude, "
    "feature_table_version, direction, usage, allocation, host_load, outcome, "
    "labelled_unix_ms";
constexpr const char* kChangeColumns =
    "record_id, host_id, instance_id, resource, old_value, new_value, mode, reason, unix_ms";

std::vector<PgStatement> all_statements() {
  const std::string sel_baseline = std::string("SELECT ") + kBaselineColumns + " FROM baselines ";
  const std::string sel_pattern = std::string("SELECT ") + kPatternColumns + " FROM patterns ";
  const std::string sel_change = std::string("SELECT ") + kChangeColumns + " FROM changes ";
  std::vector<PgStatement> out = {
      // Newest wins: a replayed older baseline never overwrites a newer one.
      {"put_baseline",
       std::string("INSERT INTO baselines(") + kBaselineColumns +
           ") VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (host_id, key) DO UPDATE SET "
           "feature_table_version = excluded.feature_table_version, payload = excluded.payload, "
           "updated_unix_ms = excluded.updated_unix_ms "
           "WHERE excluded.updated_unix_ms >= baselines.updated_unix_ms",
       {kOidText, kOidText, kOidText, kOidInt8, kOidBytea, kOidInt8}},
      {"get_baseline",
       sel_baseline + "WHERE host_id = $1 AND key = $2 AND feature_table_version = $3",
       {kOidText, kOidText, kOidInt8}},
      {"list_baselines",
       sel_baseline + "WHERE feature_table_version = $1 ORDER BY key, host_id",
       {kOidInt8}},
      {"prune_baselines",
       "DELETE FROM baselines WHERE feature_table_version <> $1 AND updated_unix_ms < $2",
       {kOidInt8, kOidInt8}},
      // A range on the (host_id, key) unique index (key is COLLATE "C": byte order).
      {"prune_instances",
       "DELETE FROM baselines WHERE host_id = $1 AND key >= $2 AND key < $3 "
       "AND updated_unix_ms < $4",
       {kOidText, kOidText, kOidText, kOidInt8}},
      {"get_episodes",
       std::string("SELECT ") + kEpisodeColumns +
           " FROM episodes WHERE instance_id = $1 ORDER BY start_unix_ms, row_no",
       {kOidText}},
      {"label_pattern",
       "UPDATE patterns SET outcome = $1, labelled_unix_ms = $2 WHERE record_id = $3",
       {kOidBytea, kOidInt8, kOidText}},
      {"labelled",
       sel_pattern +
           "WHERE outcome IS NOT NULL ORDER BY created_unix_ms DESC, row_no DESC LIMIT $1",
       {kOidInt8}},
      {"unlabelled",
       sel_pattern + "WHERE outcome IS NULL ORDER BY created_unix_ms, row_no LIMIT $1",
       {kOidInt8}},
      {"changes_all", sel_change + "ORDER BY unix_ms DESC, row_no DESC LIMIT $1", {kOidInt8}},
      {"changes_one",
       sel_change + "WHERE instance_id = $1 ORDER BY unix_ms DESC, row_no DESC LIMIT $2",
       {kOidText, kOidInt8}},
      // The fleet aggregate (fleet_aggregate.h). A writer of a type first makes sure its
      // aggregate row exists, then locks it: writers of one type queue there, other types go
      // on in parallel.
      {"agg_ensure",
       "INSERT INTO type_aggregates(key, feature_table_version, payload, contributors, "
       "updated_unix_ms) VALUES($1, $2, '', 0, 0) ON CONFLICT (key, feature_table_version) DO "
       "NOTHING",
       {kOidText, kOidInt8}},
      {"agg_lock",
       "SELECT payload, contributors, updated_unix_ms FROM type_aggregates WHERE key = $1 AND "
       "feature_table_version = $2 FOR UPDATE",
       {kOidText, kOidInt8}},
      {"agg_put",
       "UPDATE type_aggregates SET payload = $3, contributors = $4, updated_unix_ms = $5 "
       "WHERE key = $1 AND feature_table_version = $2",
       {kOidText, kOidInt8, kOidBytea, kOidInt8, kOidInt8}},
      // The host's previous row is read and decoded before the aggregate's lock is taken
      // (decoding is most of a write's time), then only checked unchanged under it: its
      // xmin (the writing transaction) changes with every update of the row.
      {"baseline_prev",
       "SELECT feature_table_version, payload, updated_unix_ms, xmin::text FROM baselines "
       "WHERE host_id = $1 AND key = $2",
       {kOidText, kOidText}},
      {"baseline_prev_lock",
       "SELECT feature_table_version, updated_unix_ms, xmin::text FROM baselines "
       "WHERE host_id = $1 AND key = $2 FOR UPDATE",
       {kOidText, kOidText}},
      // One statement, so one snapshot: the aggregate and this host's row as one commit left
      // them (a writer changes both in one transaction), never one without the other.
      {"fleet_others",
       "SELECT a.key, a.payload, a.contributors, a.updated_unix_ms, b.payload FROM "
       "type_aggregates a LEFT JOIN baselines b ON b.host_id = $1 AND b.key = a.key AND "
       "b.feature_table_version = a.feature_table_version WHERE a.feature_table_version = $2 "
       "AND a.contributors > 0 ORDER BY a.key",
       {kOidText, kOidInt8}},
      {"count_rows",
       "SELECT (SELECT count(*) FROM baselines), (SELECT count(*) FROM episodes), "
       "(SELECT count(*) FROM patterns), "
       "(SELECT count(*) FROM patterns WHERE outcome IS NOT NULL), "
       "(SELECT count(*) FROM changes)",
       {}},
  };
  for (const RecordTable* t : {&kEpisodes, &kPatterns, &kChanges}) {
    for (auto& s : insert_statements(*t)) out.push_back(std::move(s));
  }
  return out;
}

// Rows changed by an INSERT/UPDATE/DELETE.
std::size_t affected(const PgResultPtr& r) {
  const char* n = PQcmdTuples(r.get());
  std::size_t out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

class PostgresStore final : public Store {
 public:
  PostgresStore(std::unique_ptr<PgConnection> conn, std::string host_id, std::string epoch)
      : conn_(std::move(conn)),
        host_id_(std::move(host_id)),
        epoch_(std::move(epoch)),
        statements_(all_statements()) {}

  Status prepare_all() {
    std::lock_guard lock(mu_);
    return conn_->prepare(statements_);
  }

  [[nodiscard]] const std::string& host_id() const override { return host_id_; }

  Status put_baseline(const BaselineRecord& b) override {
    if (b.key.empty()) return Error{"put_baseline: empty key", conn_->where()};
    const std::string host = b.host_id.empty() ? host_id_ : b.host_id;
    PgParams p;
    p.text(b.record_id.empty() ? host + ":baseline:" + b.key : b.record_id)
        .text(host)
        .text(b.key)
        .int8(static_cast<std::int64_t>(b.feature_table_version))
        .bytea(b.payload)
        .int8(b.updated_unix_ms);
    std::lock_guard lock(mu_);
    if (b.key.starts_with(kTypeKeyPrefix)) return put_type_baseline(b, host, p);
    auto r = run("put_baseline", p, "put_baseline");
    if (!r) return r.error();
    return {};
  }

  // A type row and its fleet aggregate in one transaction: aggregate' = aggregate - the
  // host's previous row + the new one, under the aggregate row's lock.
  // The host's row of a key as read outside the transaction, decoded.
  struct PreviousRow {
    bool exists = false;
    std::int64_t version = 0;
    std::int64_t updated_unix_ms = 0;
    std::string xmin;
    std::optional<drift::Baseline> contribution;
  };

  Result<PreviousRow> read_previous(const std::string& host, const std::string& key) {
    PgParams who;
    who.text(host).text(key);
    auto r = conn_->exec_prepared("baseline_prev", who, "put_baseline: previous row");
    if (!r) return r.error();
    PreviousRow prev;
    if (PQntuples(r->get()) != 1) return prev;
    PgRow row(r->get(), 0);
    prev.exists = true;
    prev.version = row.int8(0);
    const std::string payload = row.bytes(1);
    prev.updated_unix_ms = row.int8(2);
    prev.xmin = row.text(3);
    if (!row.ok()) return Error{"put_baseline: malformed previous row", conn_->where()};
    prev.contribution =
        detail::decode_contribution(payload, static_cast<std::uint32_t>(prev.version));
    return prev;
  }

  // A type row and its fleet aggregate in one transaction: aggregate' = aggregate - the
  // host's previous row + the new one, under the aggregate row's lock.
  Status put_type_baseline(const BaselineRecord& b, const std::string& host, const PgParams& row) {
    if (host == kFleetOthersHostId) {
      return Error{"put_baseline: host id " + host + " is reserved", conn_->where()};
    }
    if (auto s = conn_->ensure(statements_); !s) {
      return Error{"put_baseline: " + s.error().what, s.error().where, s.error().errno_value};
    }
    // Decoded before any lock: the lock is held only for the aggregate's own work.
    const std::optional<drift::Baseline> fresh =
        detail::decode_contribution(b.payload, b.feature_table_version);
    auto prev = read_previous(host, b.key);
    if (!prev) return prev.error();
    if (auto begin = conn_->exec("BEGIN", "put_baseline: BEGIN"); !begin) return begin.error();
    Status done = put_type_locked(b, host, row, fresh, *prev);
    if (done) {
      if (auto commit = conn_->exec("COMMIT", "put_baseline: COMMIT"); !commit) {
        return commit.error();
      }
      return {};
    }
    if (conn_->connected()) (void)conn_->exec("ROLLBACK", "put_baseline: ROLLBACK");
    return done;
  }

  struct LockedAggregate {
    detail::TypeAggregate agg;
    bool changed = false;
  };

  // Makes the aggregate row of (key, version) exist and locks it.
  Result<detail::TypeAggregate> lock_aggregate(const std::string& key, std::int64_t version) {
    PgParams p;
    p.text(key).int8(version);
    if (auto r = conn_->exec_prepared("agg_ensure", p, "put_baseline: aggregate"); !r) {
      return r.error();
    }
    auto r = conn_->exec_prepared("agg_lock", p, "put_baseline: locking the aggregate");
    if (!r) return r.error();
    if (PQntuples(r->get()) != 1) {
      return Error{"put_baseline: the aggregate of " + key + " vanished", conn_->where()};
    }
    PgRow row(r->get(), 0);
    const std::string payload = row.bytes(0);
    detail::TypeAggregate agg;
    agg.contributors = row.int8(1);
    agg.updated_unix_ms = row.int8(2);
    if (!row.ok()) return Error{"put_baseline: malformed aggregate row", conn_->where()};
    if (agg.contributors > 0) {
      agg.merged = detail::decode_contribution(payload, static_cast<std::uint32_t>(version));
      if (!agg.merged) {
        // Written by a build of another baseline format: recompute it from the rows.
        return detail::pg_rebuild_aggregate(*conn_, key, version);
      }
    }
    return agg;
  }

  Status put_type_locked(const BaselineRecord& b, const std::string& host, const PgParams& row,
                         const std::optional<drift::Baseline>& fresh, PreviousRow prev) {
    const auto version = static_cast<std::int64_t>(b.feature_table_version);
    std::map<std::int64_t, LockedAggregate> aggs;
    auto locked = lock_aggregate(b.key, version);
    if (!locked) return locked.error();
    aggs[version].agg = std::move(*locked);

    // The previous row as it is now, under its lock: another store object of this host may
    // have replaced it since it was read (rare: then it is read again, under the lock).
    PgParams who;
    who.text(host).text(b.key);
    auto now_rows = conn_->exec_prepared("baseline_prev_lock", who, "put_baseline: previous row");
    if (!now_rows) return now_rows.error();
    const bool exists_now = PQntuples(now_rows->get()) == 1;
    if (exists_now) {
      PgRow now(now_rows->get(), 0);
      const std::int64_t now_version = now.int8(0);
      const std::int64_t now_updated = now.int8(1);
      const std::string now_xmin = now.text(2);
      if (!now.ok()) return Error{"put_baseline: malformed previous row", conn_->where()};
      if (!prev.exists || prev.xmin != now_xmin || prev.version != now_version ||
          prev.updated_unix_ms != now_updated) {
        auto again = read_previous(host, b.key);
        if (!again) return again.error();
        prev = std::move(*again);
      }
    } else {
      prev = PreviousRow{};
    }
    if (prev.exists) {
      // Newest wins: a late replay changes neither the row nor the aggregate.
      if (prev.updated_unix_ms > b.updated_unix_ms) return {};
      if (prev.contribution) {
        if (!aggs.contains(prev.version)) {
          auto other = lock_aggregate(b.key, prev.version);
          if (!other) return other.error();
          aggs[prev.version].agg = std::move(*other);
        }
        LockedAggregate& from = aggs[prev.version];
        if (auto s = detail::remove_contribution(from.agg, *prev.contribution); !s) {
          // The stored aggregate cannot hold this row (written outside this protocol):
          // recompute it without the row rather than carry the inconsistency on.
          auto rebuilt = detail::pg_rebuild_aggregate(*conn_, b.key, prev.version, host);
          if (!rebuilt) return rebuilt.error();
          from.agg = std::move(*rebuilt);
        }
        from.changed = true;
      }
    }
    if (fresh) {
      detail::add_contribution(aggs[version].agg, *fresh, b.updated_unix_ms);
      aggs[version].changed = true;
    }
    for (const auto& [v, held] : aggs) {
      if (!held.changed) continue;
      const detail::TypeAggregate& a = held.agg;
      PgParams p;
      p.text(b.key)
          .int8(v)
          .bytea(a.merged && a.contributors > 0 ? drift::serialize(*a.merged) : std::string())
          .int8(a.merged ? a.contributors : 0)
          .int8(a.updated_unix_ms);
      if (auto r = conn_->exec_prepared("agg_put", p, "put_baseline: aggregate"); !r) {
        return r.error();
      }
    }
    auto r = conn_->exec_prepared("put_baseline", row, "put_baseline");
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<BaselineRecord>> fleet_type_others(std::uint32_t version,
                                                        std::string_view exclude) override {
    PgParams p;
    p.text(exclude.empty() ? std::string_view(host_id_) : exclude)
        .int8(static_cast<std::int64_t>(version));
    std::lock_guard lock(mu_);
    auto r = run("fleet_others", p, "fleet_type_others");
    if (!r) return r.error();
    std::vector<BaselineRecord> out;
    const int n = PQntuples(r->get());
    for (int i = 0; i < n; ++i) {
      PgRow row(r->get(), i);
      const std::string key = row.text(0);
      detail::TypeAggregate agg;
      const std::string payload = row.bytes(1);
      agg.contributors = row.int8(2);
      agg.updated_unix_ms = row.int8(3);
      const bool has_own = !row.is_null(4);
      const std::string own_payload = has_own ? row.bytes(4) : std::string();
      if (!row.ok()) return Error{"fleet_type_others: malformed row " + key, conn_->where()};
      agg.merged = detail::decode_contribution(payload, version);
      if (!agg.merged) continue;  // another build's format: its writers rebuild it
      // Exactly the row the aggregate holds for this host (same decoding rule as the writer).
      if (auto own = has_own ? detail::decode_contribution(own_payload, version) : std::nullopt) {
        if (auto s = detail::remove_contribution(agg, *own); !s) {
          return Error{"fleet_type_others: " + key + ": " + s.error().what, conn_->where()};
        }
      }
      if (!agg.merged || agg.contributors <= 0) continue;  // only this host contributes
      out.push_back(detail::others_record(key, version, *agg.merged, agg.updated_unix_ms));
    }
    return out;
  }

  Result<std::optional<BaselineRecord>> get_baseline(std::string_view key, std::uint32_t version,
                                                     std::string_view host) override {
    PgParams p;
    p.text(host.empty() ? std::string_view(host_id_) : host)
        .text(key)
        .int8(static_cast<std::int64_t>(version));
    std::lock_guard lock(mu_);
    auto rows = read_rows<BaselineRecord>("get_baseline", p, "get_baseline",
                                          [](PgRow& row) -> std::optional<BaselineRecord> {
                                            auto b = detail::baseline_from_row(row);
                                            if (!row.ok()) return std::nullopt;
                                            return b;
                                          });
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<BaselineRecord>();
    return std::optional<BaselineRecord>(std::move(rows->front()));
  }

  Result<std::vector<BaselineRecord>> baselines(std::uint32_t version) override {
    PgParams p;
    p.int8(static_cast<std::int64_t>(version));
    std::lock_guard lock(mu_);
    return read_rows<BaselineRecord>("list_baselines", p, "baselines",
                                     [](PgRow& row) -> std::optional<BaselineRecord> {
                                       auto b = detail::baseline_from_row(row);
                                       if (!row.ok()) return std::nullopt;
                                       return b;
                                     });
  }

  Result<std::size_t> prune_stale_baselines(std::uint32_t current_version,
                                            std::int64_t older_than_unix_ms) override {
    PgParams p;
    p.int8(static_cast<std::int64_t>(current_version)).int8(older_than_unix_ms);
    std::lock_guard lock(mu_);
    if (auto s = conn_->ensure(statements_); !s) {
      return Error{"prune_stale_baselines: " + s.error().what, s.error().where,
                   s.error().errno_value};
    }
    // The rows and the aggregates of the versions they leave, in one transaction: the
    // other versions' aggregates are recomputed from the rows that stay.
    if (auto begin = conn_->exec("BEGIN", "prune_stale_baselines: BEGIN"); !begin) {
      return begin.error();
    }
    auto pruned = [&]() -> Result<std::size_t> {
      auto r = conn_->exec_prepared("prune_baselines", p, "prune_stale_baselines");
      if (!r) return r.error();
      const std::size_t n = affected(*r);
      if (n == 0) return n;
      if (auto s =
              detail::pg_backfill_aggregates(*conn_, static_cast<std::int64_t>(current_version));
          !s) {
        return s.error();
      }
      return n;
    }();
    if (!pruned) {
      if (conn_->connected()) (void)conn_->exec("ROLLBACK", "prune_stale_baselines: ROLLBACK");
      return pruned;
    }
    if (auto commit = conn_->exec("COMMIT", "prune_stale_baselines: COMMIT"); !commit) {
      return commit.error();
    }
    return pruned;
  }

  Result<std::size_t> prune_instance_baselines(std::int64_t older_than_unix_ms) override {
    PgParams p;
    p.text(host_id_)
        .text(kInstanceKeyPrefix)
        .text(detail::key_range_end(kInstanceKeyPrefix))
        .int8(older_than_unix_ms);
    std::lock_guard lock(mu_);
    auto r = run("prune_instances", p, "prune_instance_baselines");
    if (!r) return r.error();
    return affected(*r);
  }

  Result<std::string> append_episode(const EpisodeRecord& e) override {
    PgParams p;
    p.text(e.record_id.empty() ? epoch_ : e.record_id)
        .text(e.host_id.empty() ? host_id_ : e.host_id)
        .text(e.instance_id)
        .text(e.app_type)
        .int8(e.start_unix_ms)
        .int8(e.end_unix_ms)
        .float8(e.peak_score)
        .int8(static_cast<std::int64_t>(e.feature_table_version))
        .bytea(detail::encode_vector(e.direction))
        .text(detail::encode_top_features(e.top_features));
    std::lock_guard lock(mu_);
    return append(kEpisodes, e.record_id, p);
  }

  Result<std::vector<EpisodeRecord>> episodes(std::string_view instance_id) override {
    PgParams p;
    p.text(instance_id);
    std::lock_guard lock(mu_);
    return read_rows<EpisodeRecord>("get_episodes", p, "episodes", detail::episode_from_row<PgRow>);
  }

  Result<std::string> append_pattern(const PatternRecord& pat) override {
    PgParams p;
    p.text(pat.record_id.empty() ? epoch_ : pat.record_id)
        .text(pat.host_id.empty() ? host_id_ : pat.host_id)
        .text(pat.instance_id)
        .text(pat.app_type)
        .int8(pat.created_unix_ms)
        .float8(pat.magnitude)
        .int8(static_cast<std::int64_t>(pat.feature_table_version))
        .bytea(detail::encode_vector(pat.direction))
        .bytea(detail::encode_resources(pat.usage))
        .bytea(detail::encode_resources(pat.allocation))
        .bytea(detail::encode_resources(pat.host_load));
    if (pat.outcome) {
      p.bytea(detail::encode_resources(*pat.outcome));
    } else {
      p.null();
    }
    p.int8(pat.labelled_unix_ms);
    std::lock_guard lock(mu_);
    return append(kPatterns, pat.record_id, p);
  }

  Status label_pattern(std::string_view record_id, const ResourceVector& outcome,
                       std::int64_t labelled_unix_ms) override {
    PgParams p;
    p.bytea(detail::encode_resources(outcome)).int8(labelled_unix_ms).text(record_id);
    std::lock_guard lock(mu_);
    auto r = run("label_pattern", p, "label_pattern");
    if (!r) return r.error();
    if (affected(*r) == 0) {
      return Error{"label_pattern: no pattern " + std::string(record_id), conn_->where()};
    }
    return {};
  }

  Result<std::vector<PatternRecord>> labelled_patterns(std::size_t max_count) override {
    PgParams p;
    p.int8(clamp_count(max_count));
    std::lock_guard lock(mu_);
    return read_rows<PatternRecord>("labelled", p, "labelled_patterns",
                                    detail::pattern_from_row<PgRow>);
  }

  Result<std::vector<PatternRecord>> unlabelled_patterns(std::size_t max_count) override {
    PgParams p;
    p.int8(clamp_count(max_count));
    std::lock_guard lock(mu_);
    return read_rows<PatternRecord>("unlabelled", p, "unlabelled_patterns",
                                    detail::pattern_from_row<PgRow>);
  }

  Result<std::string> append_change(const ChangeRecord& c) override {
    PgParams p;
    p.text(c.record_id.empty() ? epoch_ : c.record_id)
        .text(c.host_id.empty() ? host_id_ : c.host_id)
        .text(c.instance_id)
        .text(resource_name(c.resource))
        .float8(c.old_value)
        .float8(c.new_value)
        .text(mode_name(c.mode))
        .text(c.reason)
        .int8(c.unix_ms);
    std::lock_guard lock(mu_);
    return append(kChanges, c.record_id, p);
  }

  Result<std::vector<ChangeRecord>> changes(std::string_view instance_id,
                                            std::size_t max_count) override {
    PgParams p;
    if (!instance_id.empty()) p.text(instance_id);
    p.int8(clamp_count(max_count));
    std::lock_guard lock(mu_);
    return read_rows<ChangeRecord>(instance_id.empty() ? "changes_all" : "changes_one", p,
                                   "changes", detail::change_from_row<PgRow>);
  }

  Result<TableCounts> count_rows() override {
    std::lock_guard lock(mu_);
    auto r = run("count_rows", PgParams{}, "count_rows");
    if (!r) return r.error();
    if (PQntuples(r->get()) != 1) return Error{"count_rows: no row", conn_->where()};
    PgRow row(r->get(), 0);
    TableCounts c;
    c.baselines = static_cast<std::size_t>(row.int8(0));
    c.episodes = static_cast<std::size_t>(row.int8(1));
    c.patterns = static_cast<std::size_t>(row.int8(2));
    c.labelled_patterns = static_cast<std::size_t>(row.int8(3));
    c.changes = static_cast<std::size_t>(row.int8(4));
    if (!row.ok()) return Error{"count_rows: malformed row", conn_->where()};
    return c;
  }

 private:
  // Reopens a lost connection (one attempt), then runs the statement. Caller holds mu_.
  Result<PgResultPtr> run(const std::string& name, const PgParams& p, const std::string& what) {
    if (auto s = conn_->ensure(statements_); !s) {
      return Error{what + ": " + s.error().what, s.error().where, s.error().errno_value};
    }
    return conn_->exec_prepared(name, p, what);
  }

  Result<std::string> append(const RecordTable& t, const std::string& given, const PgParams& p) {
    const std::string kind = t.kind;
    const std::string what = "append_" + kind;
    auto r = run(given.empty() ? "put_" + kind + "_seq" : "put_" + kind, p, what);
    if (!r) return r.error();
    if (!given.empty()) return given;
    if (PQntuples(r->get()) != 1) return Error{what + ": no record id returned", conn_->where()};
    return PgRow(r->get(), 0).text(0);
  }

  template <class T, class Read>
  Result<std::vector<T>> read_rows(const std::string& name, const PgParams& p,
                                   const std::string& what, Read read) {
    auto r = run(name, p, what);
    if (!r) return r.error();
    std::vector<T> out;
    const int n = PQntuples(r->get());
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      PgRow row(r->get(), i);
      std::optional<T> rec = read(row);
      if (!rec) return Error{what + ": malformed row " + row.text(0), conn_->where()};
      out.push_back(std::move(*rec));
    }
    return out;
  }

  std::mutex mu_;
  std::unique_ptr<PgConnection> conn_;
  std::string host_id_;
  std::string epoch_;
  std::vector<PgStatement> statements_;
};

std::int64_t default_unix_seconds() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// Creation unix ms and 32 random bits, hex: the SQLite store's epoch format (records.h).
std::string make_epoch(std::int64_t unix_s) {
  std::random_device rd;
  char buf[48];
  (void)std::snprintf(buf, sizeof buf, "%llx%08x",
                      static_cast<unsigned long long>(unix_s) * 1000ULL,
                      static_cast<unsigned>(rd()));
  return buf;
}

// The host's epoch: made by its first store, then read by every later one.
Result<std::string> host_epoch(PgConnection& conn, const std::string& host_id,
                               std::int64_t unix_s) {
  PgParams ins;
  ins.text(host_id).text(make_epoch(unix_s)).int8(unix_s * 1000);
  auto made = conn.exec_params(
      "INSERT INTO augur_hosts(host_id, epoch, created_unix_ms) VALUES($1, $2, $3) "
      "ON CONFLICT (host_id) DO NOTHING",
      ins, {kOidText, kOidText, kOidInt8}, "registering host " + host_id);
  if (!made) return made.error();
  PgParams sel;
  sel.text(host_id);
  auto r = conn.exec_params("SELECT epoch FROM augur_hosts WHERE host_id = $1", sel, {kOidText},
                            "reading the epoch of host " + host_id);
  if (!r) return r.error();
  if (PQntuples(r->get()) != 1) return Error{"host " + host_id + " has no epoch", conn.where()};
  return PgRow(r->get(), 0).text(0);
}

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresStoreOptions& options) {
  if (options.host_id.empty()) {
    return Error{"store host_id is empty", redact_conninfo(options.conninfo)};
  }
  if (options.host_id == kFleetOthersHostId) {
    return Error{"store host_id " + options.host_id + " is reserved for the fleet aggregate",
                 redact_conninfo(options.conninfo)};
  }
  if (auto s = detail::check_conninfo(options.conninfo); !s) return s.error();
  const auto now_s = options.unix_seconds ? options.unix_seconds : default_unix_seconds;
  auto conn = std::make_unique<PgConnection>(detail::PgConnectOptions{
      options.conninfo, options.connect_timeout, options.statement_timeout});
  // Statements are prepared after the migration: on an empty database their tables do not
  // exist yet.
  if (auto s = conn->ensure({}); !s) return s.error();
  if (auto m = detail::pg_migrate(*conn); !m) return m.error();
  auto epoch = host_epoch(*conn, options.host_id, now_s());
  if (!epoch) return epoch.error();
  auto store = std::make_unique<PostgresStore>(std::move(conn), options.host_id, std::move(*epoch));
  // On the connection used for the migration; ensure() prepares them after a reconnect.
  if (auto s = store->prepare_all(); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace augur::store
