#include "augur/store/sqlite_store.h"

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <system_error>

#include "codec.h"
#include "record_rows.h"
#include "schema.h"
#include "sqlite_db.h"

namespace augur::store {

namespace {

namespace fs = std::filesystem;

// A SQLite result row as the shared record decoders read it (record_rows.h). NaN is stored
// as NULL (sqlite3_bind_double), so a NULL real reads back as kUnknown.
struct SqliteRow {
  const detail::Stmt& s;
  [[nodiscard]] std::string text(int col) const { return s.text(col); }
  [[nodiscard]] std::string bytes(int col) const { return s.blob(col); }
  [[nodiscard]] std::int64_t int8(int col) const { return s.int64(col); }
  [[nodiscard]] std::optional<std::int64_t> opt_int8(int col) const {
    if (s.is_null(col)) return std::nullopt;
    return s.int64(col);
  }
  [[nodiscard]] double float8(int col) const { return s.is_null(col) ? kUnknown : s.real(col); }
  [[nodiscard]] bool is_null(int col) const { return s.is_null(col); }
  [[nodiscard]] static bool ok() { return true; }
};
using detail::Stmt;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

constexpr const char* kPatternColumns =
    "record_id, host_id, instance_id, app_type, created_unix_ms, magnitude, "
    "feature_table_version, direction, usage, allocation, host_load, outcome, "
    "labelled_unix_ms";

constexpr const char* kBaselineColumns =
    "record_id, host_id, key, feature_table_version, payload, updated_unix_ms";
constexpr const char* kEpisodeColumns =
    "record_id, host_id, instance_id, app_type, start_unix_ms, end_unix_ms, peak_score, "
    "feature_table_version, direction, top_features";
constexpr const char* kChangeColumns =
    "record_id, host_id, instance_id, resource, old_value, new_value, mode, reason, unix_ms";

class SqliteStore final : public LocalStore {
 public:
  SqliteStore(DbPtr db, std::string path, std::string host_id, std::string epoch,
              bool record_outbox)
      : db_(std::move(db)),
        path_(std::move(path)),
        host_id_(std::move(host_id)),
        epoch_(std::move(epoch)),
        record_outbox_(record_outbox) {}

  Status prepare_all() {
    struct Item {
      Stmt* stmt;
      const char* sql;
    };
    const std::string sel_pattern = std::string("SELECT ") + kPatternColumns + " FROM patterns ";
    const std::string labelled_sql =
        sel_pattern + "WHERE outcome IS NOT NULL ORDER BY created_unix_ms DESC, rowid DESC LIMIT ?";
    const std::string unlabelled_sql =
        sel_pattern + "WHERE outcome IS NULL ORDER BY created_unix_ms ASC, rowid ASC LIMIT ?";
    const std::string pattern_by_id_sql = sel_pattern + "WHERE record_id = ? LIMIT ?";
    const std::string baseline_by_id_sql =
        std::string("SELECT ") + kBaselineColumns + " FROM baselines WHERE record_id = ?";
    const std::string episode_by_id_sql =
        std::string("SELECT ") + kEpisodeColumns + " FROM episodes WHERE record_id = ?";
    const std::string change_by_id_sql =
        std::string("SELECT ") + kChangeColumns + " FROM changes WHERE record_id = ? LIMIT ?";
    const Item items[] = {
        {&put_baseline_,
         "INSERT INTO baselines(record_id, host_id, key, feature_table_version, payload, "
         "updated_unix_ms) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(record_id) DO UPDATE SET "
         "feature_table_version = excluded.feature_table_version, payload = excluded.payload, "
         "updated_unix_ms = excluded.updated_unix_ms"},
        {&get_baseline_,
         "SELECT record_id, host_id, key, feature_table_version, payload, updated_unix_ms FROM "
         "baselines WHERE host_id = ? AND key = ? AND feature_table_version = ?"},
        {&list_baselines_,
         "SELECT record_id, host_id, key, feature_table_version, payload, updated_unix_ms FROM "
         "baselines WHERE feature_table_version = ? ORDER BY key, host_id"},
        {&prune_baselines_,
         "DELETE FROM baselines WHERE feature_table_version != ? AND updated_unix_ms < ?"},
        // One batch: the inner search is a range on the (host_id, key) unique index.
        {&prune_instances_,
         "DELETE FROM baselines WHERE rowid IN (SELECT rowid FROM baselines WHERE host_id = ? "
         "AND key >= ? AND key < ? AND updated_unix_ms < ? LIMIT ?)"},
        {&next_seq_,
         "INSERT INTO sequences(host_id, kind, next) VALUES(?, ?, 2) ON CONFLICT(host_id, kind) "
         "DO UPDATE SET next = next + 1 RETURNING next - 1"},
        {&put_episode_,
         "INSERT INTO episodes(record_id, host_id, instance_id, app_type, start_unix_ms, "
         "end_unix_ms, peak_score, feature_table_version, direction, top_features) "
         "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(record_id) DO NOTHING"},
        {&get_episodes_,
         "SELECT record_id, host_id, instance_id, app_type, start_unix_ms, end_unix_ms, "
         "peak_score, feature_table_version, direction, top_features FROM episodes WHERE "
         "instance_id = ? ORDER BY start_unix_ms, rowid"},
        {&put_pattern_,
         "INSERT INTO patterns(record_id, host_id, instance_id, app_type, created_unix_ms, "
         "magnitude, feature_table_version, direction, usage, allocation, host_load, outcome, "
         "labelled_unix_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT(record_id) DO NOTHING"},
        {&label_pattern_,
         "UPDATE patterns SET outcome = ?, labelled_unix_ms = ? WHERE record_id = ?"},
        {&labelled_, labelled_sql.c_str()},
        {&unlabelled_, unlabelled_sql.c_str()},
        {&put_change_,
         "INSERT INTO changes(record_id, host_id, instance_id, resource, old_value, new_value, "
         "mode, reason, unix_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT(record_id) DO NOTHING"},
        {&changes_all_,
         "SELECT record_id, host_id, instance_id, resource, old_value, new_value, mode, reason, "
         "unix_ms FROM changes ORDER BY unix_ms DESC, rowid DESC LIMIT ?"},
        {&changes_one_,
         "SELECT record_id, host_id, instance_id, resource, old_value, new_value, mode, reason, "
         "unix_ms FROM changes WHERE instance_id = ? ORDER BY unix_ms DESC, rowid DESC LIMIT ?"},
        {&count_,
         "SELECT (SELECT count(*) FROM baselines), (SELECT count(*) FROM episodes), "
         "(SELECT count(*) FROM patterns), (SELECT count(*) FROM patterns WHERE outcome IS NOT "
         "NULL), (SELECT count(*) FROM changes)"},
        {&enqueue_, "INSERT INTO outbox(kind, record_id) VALUES(?, ?)"},
        // A baseline is queued once: the drain sends its newest row whatever was queued.
        {&dequeue_baseline_, "DELETE FROM outbox WHERE kind = 'baseline' AND record_id = ?"},
        {&outbox_list_, "SELECT seq, kind, record_id FROM outbox ORDER BY seq LIMIT ?"},
        {&outbox_count_, "SELECT count(*) FROM outbox"},
        {&outbox_remove_, "DELETE FROM outbox WHERE seq <= ?"},
        {&baseline_by_id_, baseline_by_id_sql.c_str()},
        {&delete_baseline_, "DELETE FROM baselines WHERE host_id = ? AND key = ?"},
        {&episode_by_id_, episode_by_id_sql.c_str()},
        {&pattern_by_id_, pattern_by_id_sql.c_str()},
        {&change_by_id_, change_by_id_sql.c_str()},
    };
    for (const auto& item : items) {
      auto s = Stmt::prepare(db_.get(), item.sql, path_);
      if (!s) return s.error();
      *item.stmt = std::move(*s);
    }
    return {};
  }

  [[nodiscard]] const std::string& host_id() const override { return host_id_; }

  Status put_baseline(const BaselineRecord& b) override {
    std::lock_guard lock(mu_);
    if (b.key.empty()) return Error{"put_baseline: empty key", path_};
    const std::string host = b.host_id.empty() ? host_id_ : b.host_id;
    const std::string id = b.record_id.empty() ? host + ":baseline:" + b.key : b.record_id;
    Stmt& s = put_baseline_;
    s.bind(1, id);
    s.bind(2, host);
    s.bind(3, b.key);
    s.bind(4, static_cast<std::int64_t>(b.feature_table_version));
    s.bind_blob(5, b.payload);
    s.bind(6, b.updated_unix_ms);
    // Only type baselines are shared (records.h keys): an instance's baseline judges nothing
    // on another host, and at every save it would cost the fleet database a row per instance.
    if (!record_outbox_ || !b.key.starts_with(kTypeKeyPrefix)) {
      return finish_write(s, "put_baseline");
    }
    auto r = in_transaction("put_baseline", [&]() -> Result<std::string> {
      if (auto st = finish_write(s, "put_baseline"); !st) return st.error();
      Stmt& d = dequeue_baseline_;
      d.bind(1, id);
      if (auto st = finish_write(d, "put_baseline: outbox"); !st) return st.error();
      if (auto st = enqueue(OutboxKind::kBaseline, id); !st) return st.error();
      return id;
    });
    if (!r) {
      s.reset();
      return r.error();
    }
    return {};
  }

  Result<std::optional<BaselineRecord>> get_baseline(std::string_view key, std::uint32_t version,
                                                     std::string_view host) override {
    std::lock_guard lock(mu_);
    Stmt& s = get_baseline_;
    s.bind(1, host.empty() ? std::string_view(host_id_) : host);
    s.bind(2, key);
    s.bind(3, static_cast<std::int64_t>(version));
    return read_one_baseline(s, "get_baseline");
  }

  Result<std::vector<BaselineRecord>> baselines(std::uint32_t version) override {
    std::lock_guard lock(mu_);
    Stmt& s = list_baselines_;
    s.bind(1, static_cast<std::int64_t>(version));
    std::vector<BaselineRecord> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_baseline(s));
    s.reset();
    if (rc != SQLITE_DONE) return error(rc, "baselines");
    return out;
  }

  Result<std::size_t> prune_stale_baselines(std::uint32_t current_version,
                                            std::int64_t older_than_unix_ms) override {
    std::lock_guard lock(mu_);
    Stmt& s = prune_baselines_;
    s.bind(1, static_cast<std::int64_t>(current_version));
    s.bind(2, older_than_unix_ms);
    if (auto st = finish_write(s, "prune_stale_baselines"); !st) return st.error();
    return static_cast<std::size_t>(sqlite3_changes(db_.get()));
  }

  // In batches, each its own transaction, the lock released between them: a first prune of
  // a long-churning host's rows does not hold the actuator's audit writes until it ends.
  Result<std::size_t> prune_instance_baselines(std::int64_t older_than_unix_ms) override {
    const std::string end = detail::key_range_end(kInstanceKeyPrefix);
    std::size_t total = 0;
    for (;;) {
      std::lock_guard lock(mu_);
      Stmt& s = prune_instances_;
      s.bind(1, host_id_);
      s.bind(2, kInstanceKeyPrefix);
      s.bind(3, end);
      s.bind(4, older_than_unix_ms);
      s.bind(5, static_cast<std::int64_t>(kSqlitePruneBatch));
      if (auto st = finish_write(s, "prune_instance_baselines"); !st) return st.error();
      const auto n = static_cast<std::size_t>(sqlite3_changes(db_.get()));
      total += n;
      if (n < kSqlitePruneBatch) return total;
    }
  }

  Result<std::string> append_episode(const EpisodeRecord& e) override {
    std::lock_guard lock(mu_);
    return in_transaction("append_episode", [&]() -> Result<std::string> {
      const std::string host = e.host_id.empty() ? host_id_ : e.host_id;
      auto id = record_id(e.record_id, host, "episode");
      if (!id) return id;
      Stmt& s = put_episode_;
      s.bind(1, *id);
      s.bind(2, host);
      s.bind(3, e.instance_id);
      s.bind(4, e.app_type);
      s.bind(5, e.start_unix_ms);
      s.bind(6, e.end_unix_ms);
      s.bind(7, e.peak_score);
      s.bind(8, static_cast<std::int64_t>(e.feature_table_version));
      s.bind_blob(9, detail::encode_vector(e.direction));
      s.bind(10, detail::encode_top_features(e.top_features));
      if (auto st = finish_write(s, "append_episode"); !st) return st.error();
      if (auto st = enqueue_if_changed(OutboxKind::kEpisode, *id); !st) return st.error();
      return id;
    });
  }

  Result<std::vector<EpisodeRecord>> episodes(std::string_view instance_id) override {
    std::lock_guard lock(mu_);
    Stmt& s = get_episodes_;
    s.bind(1, instance_id);
    return read_episodes(s, "episodes");
  }

  Result<std::vector<EpisodeRecord>> read_episodes(Stmt& s, const char* what) {
    return read_rows<EpisodeRecord>(s, what, detail::episode_from_row<SqliteRow>);
  }

  Result<std::string> append_pattern(const PatternRecord& p) override {
    std::lock_guard lock(mu_);
    return in_transaction("append_pattern", [&]() -> Result<std::string> {
      const std::string host = p.host_id.empty() ? host_id_ : p.host_id;
      auto id = record_id(p.record_id, host, "pattern");
      if (!id) return id;
      Stmt& s = put_pattern_;
      s.bind(1, *id);
      s.bind(2, host);
      s.bind(3, p.instance_id);
      s.bind(4, p.app_type);
      s.bind(5, p.created_unix_ms);
      s.bind(6, p.magnitude);
      s.bind(7, static_cast<std::int64_t>(p.feature_table_version));
      s.bind_blob(8, detail::encode_vector(p.direction));
      s.bind_blob(9, detail::encode_resources(p.usage));
      s.bind_blob(10, detail::encode_resources(p.allocation));
      s.bind_blob(11, detail::encode_resources(p.host_load));
      if (p.outcome) {
        s.bind_blob(12, detail::encode_resources(*p.outcome));
      } else {
        s.bind_null(12);
      }
      s.bind(13, p.labelled_unix_ms);
      if (auto st = finish_write(s, "append_pattern"); !st) return st.error();
      if (auto st = enqueue_if_changed(OutboxKind::kPattern, *id); !st) return st.error();
      return id;
    });
  }

  Status label_pattern(std::string_view record_id, const ResourceVector& outcome,
                       std::int64_t labelled_unix_ms) override {
    std::lock_guard lock(mu_);
    auto r = in_transaction("label_pattern", [&]() -> Result<std::string> {
      Stmt& s = label_pattern_;
      s.bind_blob(1, detail::encode_resources(outcome));
      s.bind(2, labelled_unix_ms);
      s.bind(3, record_id);
      if (auto st = finish_write(s, "label_pattern"); !st) return st.error();
      if (sqlite3_changes(db_.get()) == 0) {
        return Error{"label_pattern: no pattern " + std::string(record_id), path_};
      }
      const std::string id(record_id);
      if (auto st = enqueue_if_changed(OutboxKind::kLabel, id); !st) return st.error();
      return id;
    });
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<PatternRecord>> labelled_patterns(std::size_t max_count) override {
    std::lock_guard lock(mu_);
    return read_patterns(labelled_, max_count, "labelled_patterns");
  }

  Result<std::vector<PatternRecord>> unlabelled_patterns(std::size_t max_count) override {
    std::lock_guard lock(mu_);
    return read_patterns(unlabelled_, max_count, "unlabelled_patterns");
  }

  Result<std::string> append_change(const ChangeRecord& c) override {
    std::lock_guard lock(mu_);
    return in_transaction("append_change", [&]() -> Result<std::string> {
      const std::string host = c.host_id.empty() ? host_id_ : c.host_id;
      auto id = record_id(c.record_id, host, "change");
      if (!id) return id;
      Stmt& s = put_change_;
      s.bind(1, *id);
      s.bind(2, host);
      s.bind(3, c.instance_id);
      s.bind(4, resource_name(c.resource));
      s.bind(5, c.old_value);
      s.bind(6, c.new_value);
      s.bind(7, mode_name(c.mode));
      s.bind(8, c.reason);
      s.bind(9, c.unix_ms);
      if (auto st = finish_write(s, "append_change"); !st) return st.error();
      if (auto st = enqueue_if_changed(OutboxKind::kChange, *id); !st) return st.error();
      return id;
    });
  }

  Result<std::vector<ChangeRecord>> changes(std::string_view instance_id,
                                            std::size_t max_count) override {
    std::lock_guard lock(mu_);
    Stmt& s = instance_id.empty() ? changes_all_ : changes_one_;
    int pos = 1;
    if (!instance_id.empty()) s.bind(pos++, instance_id);
    s.bind(pos, clamp_count(max_count));
    return read_changes(s, "changes");
  }

  Result<std::vector<ChangeRecord>> read_changes(Stmt& s, const char* what) {
    return read_rows<ChangeRecord>(s, what, detail::change_from_row<SqliteRow>);
  }

  Result<std::vector<OutboxEntry>> outbox(std::size_t max_count) override {
    std::lock_guard lock(mu_);
    Stmt& s = outbox_list_;
    s.bind(1, clamp_count(max_count));
    std::vector<OutboxEntry> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
      auto kind = outbox_kind_from_name(s.text(1));
      if (!kind) {
        s.reset();
        return Error{"outbox: unknown kind '" + s.text(1) + "'", path_};
      }
      out.push_back(OutboxEntry{s.int64(0), *kind, s.text(2)});
    }
    s.reset();
    if (rc != SQLITE_DONE) return error(rc, "outbox");
    return out;
  }

  Result<std::size_t> outbox_size() override {
    std::lock_guard lock(mu_);
    Stmt& s = outbox_count_;
    const int rc = s.step();
    const auto n = rc == SQLITE_ROW ? static_cast<std::size_t>(s.int64(0)) : 0;
    s.reset();
    if (rc != SQLITE_ROW) return error(rc, "outbox_size");
    return n;
  }

  Status outbox_remove_through(std::int64_t seq) override {
    std::lock_guard lock(mu_);
    Stmt& s = outbox_remove_;
    s.bind(1, seq);
    return finish_write(s, "outbox_remove_through");
  }

  Result<bool> delete_baseline(std::string_view host, std::string_view key) override {
    std::lock_guard lock(mu_);
    Stmt& s = delete_baseline_;
    s.bind(1, host);
    s.bind(2, key);
    if (auto st = finish_write(s, "delete_baseline"); !st) return st.error();
    return sqlite3_changes(db_.get()) > 0;
  }

  Result<std::optional<BaselineRecord>> baseline_by_id(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt& s = baseline_by_id_;
    s.bind(1, id);
    return read_one_baseline(s, "baseline_by_id");
  }

  Result<std::optional<EpisodeRecord>> episode_by_id(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt& s = episode_by_id_;
    s.bind(1, id);
    return first_row(read_episodes(s, "episode_by_id"));
  }

  Result<std::optional<PatternRecord>> pattern_by_id(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt& s = pattern_by_id_;
    s.bind(1, id);
    return first_row(read_patterns(s, 1, "pattern_by_id", 2));
  }

  Result<std::optional<ChangeRecord>> change_by_id(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt& s = change_by_id_;
    s.bind(1, id);
    s.bind(2, std::int64_t{1});
    return first_row(read_changes(s, "change_by_id"));
  }

  Result<TableCounts> count_rows() override {
    std::lock_guard lock(mu_);
    Stmt& s = count_;
    int rc = s.step();
    if (rc != SQLITE_ROW) {
      s.reset();
      return error(rc, "count_rows");
    }
    TableCounts c;
    c.baselines = static_cast<std::size_t>(s.int64(0));
    c.episodes = static_cast<std::size_t>(s.int64(1));
    c.patterns = static_cast<std::size_t>(s.int64(2));
    c.labelled_patterns = static_cast<std::size_t>(s.int64(3));
    c.changes = static_cast<std::size_t>(s.int64(4));
    s.reset();
    return c;
  }

 private:
  Error error(int rc, const std::string& what) {
    return detail::sqlite_error(db_.get(), rc, what, path_);
  }

  static std::int64_t clamp_count(std::size_t n) {
    constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
    return static_cast<std::int64_t>(n > kMax ? kMax : n);
  }

  // Steps a write statement to completion and resets it.
  Status finish_write(Stmt& s, const std::string& what) {
    int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) return error(rc, what);
    return {};
  }

  template <class F>
  Result<std::string> in_transaction(const std::string& what, F&& body) {
    if (auto st = detail::exec(db_.get(), "BEGIN IMMEDIATE", path_); !st) return st.error();
    auto r = body();
    if (r) {
      if (auto st = detail::exec(db_.get(), "COMMIT", path_); !st) {
        (void)detail::exec(db_.get(), "ROLLBACK", path_);
        return Error{what + ": " + st.error().what, path_, st.error().errno_value};
      }
    } else {
      (void)detail::exec(db_.get(), "ROLLBACK", path_);
    }
    return r;
  }

  // The given id, or "<host>:<kind>:<epoch>:<seq>" with seq from the sequences table
  // (inside the caller's transaction, so an id is never handed out twice).
  Result<std::string> record_id(const std::string& given, const std::string& host,
                                const char* kind) {
    if (!given.empty()) return given;
    Stmt& s = next_seq_;
    s.bind(1, host);
    s.bind(2, std::string_view(kind));
    int rc = s.step();
    if (rc != SQLITE_ROW) {
      s.reset();
      return error(rc, std::string("next sequence for ") + kind);
    }
    const std::int64_t seq = s.int64(0);
    rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) return error(rc, std::string("next sequence for ") + kind);
    return host + ":" + kind + ":" + epoch_ + ":" + std::to_string(seq);
  }

  // Inside the caller's transaction, so the write and its queue entry commit together.
  Status enqueue(OutboxKind kind, const std::string& id) {
    Stmt& q = enqueue_;
    q.bind(1, outbox_kind_name(kind));
    q.bind(2, id);
    return finish_write(q, "outbox");
  }

  // Queues only a write that changed a row: a re-append of a known record id is no news.
  Status enqueue_if_changed(OutboxKind kind, const std::string& id) {
    if (!record_outbox_ || sqlite3_changes(db_.get()) == 0) return {};
    return enqueue(kind, id);
  }

  // The one row a lookup by key may find, or none.
  Result<std::optional<BaselineRecord>> read_one_baseline(Stmt& s, const char* what) {
    std::optional<BaselineRecord> out;
    int rc = s.step();
    if (rc == SQLITE_ROW) {
      out = read_baseline(s);
      rc = s.step();
    }
    s.reset();
    if (rc != SQLITE_DONE) return error(rc, what);
    return out;
  }

  template <class T>
  static Result<std::optional<T>> first_row(Result<std::vector<T>> rows) {
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<T>{};
    return std::optional<T>(std::move(rows->front()));
  }

  static BaselineRecord read_baseline(const Stmt& s) {
    SqliteRow row{s};
    return detail::baseline_from_row(row);
  }

  // The statement's LIMIT is bound at `limit_pos`; other parameters are bound by the caller.
  Result<std::vector<PatternRecord>> read_patterns(Stmt& s, std::size_t max_count, const char* what,
                                                   int limit_pos = 1) {
    s.bind(limit_pos, clamp_count(max_count));
    return read_rows<PatternRecord>(s, what, detail::pattern_from_row<SqliteRow>);
  }

  // Steps `s` to the end, decoding each row; the statement is reset either way.
  template <class T, class Decode>
  Result<std::vector<T>> read_rows(Stmt& s, const char* what, Decode decode) {
    std::vector<T> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
      SqliteRow row{s};
      std::optional<T> rec = decode(row);
      if (!rec) {
        const std::string id = s.text(0);
        s.reset();
        return Error{std::string(what) + ": malformed row " + id, path_};
      }
      out.push_back(std::move(*rec));
    }
    s.reset();
    if (rc != SQLITE_DONE) return error(rc, what);
    return out;
  }

  // Statements before db_ in destruction order: declared after it, destroyed first.
  DbPtr db_;
  std::string path_;
  std::string host_id_;
  std::string epoch_;
  bool record_outbox_;
  std::mutex mu_;
  Stmt put_baseline_, get_baseline_, list_baselines_, prune_baselines_, prune_instances_;
  Stmt next_seq_;
  Stmt put_episode_, get_episodes_, put_pattern_, label_pattern_, labelled_, unlabelled_;
  Stmt put_change_, changes_all_, changes_one_, count_;
  Stmt enqueue_, dequeue_baseline_, outbox_list_, outbox_count_, outbox_remove_;
  Stmt delete_baseline_;
  Stmt baseline_by_id_, episode_by_id_, pattern_by_id_, change_by_id_;
};

std::int64_t default_unix_seconds() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// Moves the database and its -wal/-shm companions to `target` (made unique with "-<n>").
Result<std::string> move_aside(const std::string& path, std::string target) {
  std::error_code ec;
  const std::string base = target;
  for (int n = 1; fs::exists(target, ec); ++n) target = base + "-" + std::to_string(n);
  fs::rename(path, target, ec);
  if (ec) return Error{"cannot move the store aside to " + target, path, ec.value()};
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(path + suffix, ec)) {
      fs::rename(path + suffix, target + suffix, ec);
      if (ec)
        return Error{"cannot move the store's " + std::string(suffix) + " aside", path, ec.value()};
    }
  }
  return target;
}

struct Probe {
  enum Kind { kOk, kCorrupt, kNewer } kind = kOk;
  int version = 0;
  std::string message;
};

Result<DbPtr> open_db(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return detail::sqlite_error(raw, rc, "cannot open store", path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

// Reads the version and checks the file; a non-database or a failed quick_check is corrupt.
Result<Probe> probe(sqlite3* db, const std::string& path) {
  Probe p;
  auto s = Stmt::prepare(db, "PRAGMA user_version", path);
  if (!s) {
    const int code = sqlite3_errcode(db) & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      p.kind = Probe::kCorrupt;
      p.message = sqlite3_errmsg(db);
      return p;
    }
    return s.error();
  }
  int rc = s->step();
  if (rc != SQLITE_ROW) {
    const int code = rc & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      p.kind = Probe::kCorrupt;
      p.message = sqlite3_errmsg(db);
      return p;
    }
    return detail::sqlite_error(db, rc, "reading user_version", path);
  }
  p.version = static_cast<int>(s->int64(0));
  s->reset();
  auto q = Stmt::prepare(db, "PRAGMA quick_check", path);
  if (!q) {
    p.kind = Probe::kCorrupt;
    p.message = q.error().what;
    return p;
  }
  rc = q->step();
  std::string verdict = rc == SQLITE_ROW ? q->text(0) : std::string(sqlite3_errmsg(db));
  if (rc != SQLITE_ROW || verdict != "ok") {
    p.kind = Probe::kCorrupt;
    p.message = "quick_check: " + verdict;
    return p;
  }
  if (p.version > kSchemaVersion) p.kind = Probe::kNewer;
  return p;
}

std::string make_epoch(std::int64_t unix_s) {
  std::random_device rd;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llx%08x", static_cast<unsigned long long>(unix_s) * 1000ULL,
                static_cast<unsigned>(rd()));
  return buf;
}

}  // namespace

std::string OpenedStore::notice() const {
  std::string out;
  if (moved_aside) {
    out = "store " + moved_aside->from + " was " + moved_aside->reason + "; moved aside to " +
          moved_aside->to + " and a fresh store created";
  }
  if (migrated_from >= 0) {
    if (!out.empty()) out += "; ";
    out += "store schema migrated from v" + std::to_string(migrated_from) + " to v" +
           std::to_string(kSchemaVersion);
  }
  return out;
}

Result<OpenedStore> open_sqlite_store(const SqliteStoreOptions& options) {
  const std::string& path = options.path;
  if (path.empty()) return Error{"store path is empty", "open_sqlite_store"};
  if (options.host_id.empty()) return Error{"store host_id is empty", path};
  const auto now_s = options.unix_seconds ? options.unix_seconds : default_unix_seconds;
  OpenedStore opened;

  auto db = open_db(path);
  if (!db) return db.error();
  auto p = probe(db->get(), path);
  if (!p) return p.error();
  if (p->kind != Probe::kOk) {
    db->reset();  // close before renaming
    std::string target;
    MovedAside aside;
    if (p->kind == Probe::kCorrupt) {
      aside.reason = "corrupt (" + p->message + ")";
      target = path + ".corrupt-" + std::to_string(now_s());
    } else {
      aside.reason = "written by a newer Augur (schema version " + std::to_string(p->version) +
                     ", this one knows " + std::to_string(kSchemaVersion) + ")";
      target = path + ".newer-" + std::to_string(p->version);
    }
    auto moved = move_aside(path, target);
    if (!moved) return moved.error();
    aside.from = path;
    aside.to = *moved;
    opened.moved_aside = aside;
    db = open_db(path);
    if (!db) return db.error();
    p = probe(db->get(), path);
    if (!p) return p.error();
    if (p->kind != Probe::kOk) return Error{"fresh store failed its check: " + p->message, path};
  }
  sqlite3* raw = db->get();
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  // WAL + NORMAL: see sqlite_store.h for the durability this gives.
  if (auto st = detail::exec(raw,
                             "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                             "PRAGMA foreign_keys = ON",
                             path);
      !st) {
    return st.error();
  }
  if (options.max_pages > 0) {
    if (auto st =
            detail::exec(raw, "PRAGMA max_page_count = " + std::to_string(options.max_pages), path);
        !st) {
      return st.error();
    }
  }
  if (p->version < kSchemaVersion) {
    if (p->version > 0) opened.migrated_from = p->version;
    if (auto st = detail::migrate(raw, p->version, path); !st) return st.error();
  }
  // The store epoch: made once per file (see records.h).
  std::string epoch;
  {
    auto sel = Stmt::prepare(raw, "SELECT value FROM meta WHERE name = 'epoch'", path);
    if (!sel) return sel.error();
    int rc = sel->step();
    if (rc == SQLITE_ROW) {
      epoch = sel->text(0);
    } else if (rc != SQLITE_DONE) {
      return detail::sqlite_error(raw, rc, "reading store epoch", path);
    }
  }
  if (epoch.empty()) {
    epoch = make_epoch(now_s());
    auto ins = Stmt::prepare(raw, "INSERT INTO meta(name, value) VALUES('epoch', ?)", path);
    if (!ins) return ins.error();
    ins->bind(1, epoch);
    int rc = ins->step();
    if (rc != SQLITE_DONE) return detail::sqlite_error(raw, rc, "writing store epoch", path);
  }
  auto store = std::make_unique<SqliteStore>(std::move(*db), path, options.host_id, epoch,
                                             options.record_outbox);
  if (auto st = store->prepare_all(); !st) return st.error();
  opened.store = std::move(store);
  return opened;
}

}  // namespace augur::store
