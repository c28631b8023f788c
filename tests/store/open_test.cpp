#include <fstream>

#include "temp_store.h"

namespace augur::store {
namespace {

namespace fs = std::filesystem;
using test::TempStoreDir;

using SqliteStoreOpen = TempStoreDir;

constexpr const char* kV1Schema = R"sql(
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sequences(host_id TEXT NOT NULL, kind TEXT NOT NULL, next INTEGER NOT NULL,
                       PRIMARY KEY(host_id, kind));
CREATE TABLE baselines(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL, key TEXT NOT NULL,
                       feature_table_version INTEGER NOT NULL, payload BLOB NOT NULL,
                       updated_unix_ms INTEGER NOT NULL, UNIQUE(host_id, key));
CREATE TABLE episodes(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL,
                      instance_id TEXT NOT NULL, app_type TEXT NOT NULL,
                      start_unix_ms INTEGER NOT NULL, end_unix_ms INTEGER,
                      peak_score REAL NOT NULL, feature_table_version INTEGER NOT NULL,
                      direction BLOB NOT NULL, top_features TEXT NOT NULL);
CREATE INDEX episodes_instance ON episodes(instance_id, start_unix_ms);
CREATE TABLE changes(record_id TEXT PRIMARY KEY, host_id TEXT NOT NULL,
                     instance_id TEXT NOT NULL, resource TEXT NOT NULL, old_value REAL,
                     new_value REAL, mode TEXT NOT NULL, reason TEXT NOT NULL,
                     unix_ms INTEGER NOT NULL);
CREATE INDEX changes_instance ON changes(instance_id, unix_ms);
)sql";

TEST_F(SqliteStoreOpen, CreatesAFreshStoreAtTheCurrentSchemaVersionInWalMode) {
  auto opened = open_sqlite_store(options());
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  EXPECT_FALSE(opened->moved_aside.has_value());
  EXPECT_EQ(opened->migrated_from, -1);
  EXPECT_TRUE(opened->notice().empty());
  auto counts = opened->store->count_rows();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->baselines + counts->episodes + counts->patterns + counts->changes, 0u);
  opened->store.reset();
  EXPECT_EQ(raw_user_version(), kSchemaVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_F(SqliteStoreOpen, MigratesAHandMadeV1FileKeepingItsRecords) {
  // A v1 file as the drift release wrote it, frozen here by hand (not taken from the
  // library, so an edit of a shipped step fails this test).
  raw_sql(std::string(kV1Schema) +
          "INSERT INTO baselines VALUES('host-a:baseline:type:web', 'host-a', 'type:web', 3, "
          "'opaque-v1', 1000);"
          "INSERT INTO sequences VALUES('host-a', 'episode', 8);"
          "PRAGMA user_version = 1;");
  ASSERT_EQ(raw_user_version(), 1);
  auto opened = open_sqlite_store(options());
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  EXPECT_EQ(opened->migrated_from, 1);
  EXPECT_FALSE(opened->moved_aside.has_value());
  EXPECT_NE(opened->notice().find("migrated from v1 to v3"), std::string::npos);
  auto& store = *opened->store;
  auto b = store.get_baseline("type:web", 3);
  ASSERT_TRUE(b.has_value()) << b.error().message();
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->payload, "opaque-v1");
  // The v2 table works, and the v1 sequence continues.
  PatternRecord p;
  p.instance_id = "vm-1";
  ASSERT_TRUE(store.append_pattern(p).has_value());
  EpisodeRecord e;
  e.instance_id = "vm-1";
  auto id = store.append_episode(e);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->substr(id->rfind(':') + 1), "8");
  opened->store.reset();
  EXPECT_EQ(raw_user_version(), kSchemaVersion);
}

TEST_F(SqliteStoreOpen, MovesACorruptFileAsideAndStartsFresh) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "this is not an SQLite database, just text that happens to be here\n";
    for (int i = 0; i < 200; ++i) out << "garbage line " << i << "\n";
  }
  const auto size_before = fs::file_size(path_);
  auto opened = open_sqlite_store(options());
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  ASSERT_TRUE(opened->moved_aside.has_value());
  const std::string aside = path_ + ".corrupt-1764300000";
  EXPECT_EQ(opened->moved_aside->to, aside);
  EXPECT_NE(opened->moved_aside->reason.find("corrupt"), std::string::npos);
  EXPECT_NE(opened->notice().find(aside), std::string::npos);
  ASSERT_TRUE(fs::exists(aside));
  EXPECT_EQ(fs::file_size(aside), size_before);  // kept byte for byte, not overwritten
  auto counts = opened->store->count_rows();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->baselines, 0u);
}

TEST_F(SqliteStoreOpen, MovesADamagedDatabaseFailingQuickCheckAside) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    for (int i = 0; i < 300; ++i) {
      BaselineRecord b;
      b.key = "instance:vm-" + std::to_string(i);
      b.payload = std::string(500, static_cast<char>('a' + i % 26));
      ASSERT_TRUE(store->put_baseline(b).has_value());
    }
  }
  raw_sql("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;");
  {
    // Overwrite a page in the middle of the b-tree with junk, keeping the header intact.
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(0x5a));
  }
  auto opened = open_sqlite_store(options());
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  ASSERT_TRUE(opened->moved_aside.has_value());
  EXPECT_NE(opened->moved_aside->to.find(".corrupt-"), std::string::npos);
  EXPECT_TRUE(fs::exists(opened->moved_aside->to));
}

TEST_F(SqliteStoreOpen, MovesANewerVersionAsideNeverDowngrading) {
  raw_sql("CREATE TABLE future(x); PRAGMA user_version = 7;");
  auto opened = open_sqlite_store(options());
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  ASSERT_TRUE(opened->moved_aside.has_value());
  EXPECT_EQ(opened->moved_aside->to, path_ + ".newer-7");
  EXPECT_NE(opened->moved_aside->reason.find("schema version 7"), std::string::npos);
  opened->store.reset();
  EXPECT_EQ(raw_user_version(), kSchemaVersion);
  // The newer file is intact.
  path_ += ".newer-7";
  EXPECT_EQ(raw_user_version(), 7);
}

TEST_F(SqliteStoreOpen, ASecondMoveAsideDoesNotOverwriteTheFirst) {
  raw_sql("PRAGMA user_version = 9;");
  ASSERT_TRUE(open_sqlite_store(options()).has_value());
  fs::remove(path_);
  fs::remove(path_ + "-wal");
  fs::remove(path_ + "-shm");
  raw_sql("PRAGMA user_version = 9;");
  auto second = open_sqlite_store(options());
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(second->moved_aside.has_value());
  EXPECT_EQ(second->moved_aside->to, path_ + ".newer-9-1");
  EXPECT_TRUE(fs::exists(path_ + ".newer-9"));
}

TEST_F(SqliteStoreOpen, MissingFolderIsAnErrorNamingThePath) {
  auto o = options();
  o.path = dir_ + "/no/such/dir/augur.db";
  auto opened = open_sqlite_store(o);
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message().find("no/such/dir"), std::string::npos);
}

TEST_F(SqliteStoreOpen, FullStoreIsAnErrorNotACrash) {
  auto o = options();
  o.max_pages = 64;  // SQLITE_FULL once the file would pass 64 pages, as on a full disk
  auto opened = open_sqlite_store(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  auto& store = *opened->store;
  Status last;
  int written = 0;
  for (int i = 0; i < 1000 && last.has_value(); ++i) {
    BaselineRecord b;
    b.key = "instance:" + std::to_string(i);
    b.payload = std::string(2000, 'x');
    last = store.put_baseline(b);
    if (last) ++written;
  }
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().errno_value, ENOSPC);
  EXPECT_NE(last.error().message().find("full"), std::string::npos);
  // Still usable: what was written is there, appends fail cleanly too.
  auto counts = store.count_rows();
  ASSERT_TRUE(counts.has_value()) << counts.error().message();
  EXPECT_EQ(counts->baselines, static_cast<std::size_t>(written));
  ChangeRecord c;
  c.instance_id = "vm";
  c.reason = std::string(20000, 'r');
  auto appended = store.append_change(c);
  ASSERT_FALSE(appended.has_value());
  EXPECT_EQ(appended.error().errno_value, ENOSPC);
}

TEST_F(SqliteStoreOpen, EmptyHostIdIsRefused) {
  auto o = options("");
  EXPECT_FALSE(open_sqlite_store(o).has_value());
}

}  // namespace
}  // namespace augur::store
