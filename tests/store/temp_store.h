#pragma once
// A fresh folder per test for real SQLite files, removed afterwards.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "augur/store/sqlite_store.h"

namespace augur::store::test {

class TempStoreDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "augur-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/augur.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SqliteStoreOptions options(const std::string& host = "host-a") const {
    SqliteStoreOptions o;
    o.path = path_;
    o.host_id = host;
    o.unix_seconds = [] { return std::int64_t{1764300000}; };
    return o;
  }
  std::unique_ptr<Store> open(const std::string& host = "host-a") {
    auto s = open_sqlite_store(options(host));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message());
    if (!s) return nullptr;
    EXPECT_FALSE(s->moved_aside.has_value());
    return std::move(s->store);
  }
  // Runs SQL on the file directly, as another program would.
  void raw_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err != nullptr ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << msg;
  }
  int raw_user_version() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
  }

  std::string dir_;
  std::string path_;
};

}  // namespace augur::store::test
