#pragma once
// Reads a SQLite file as another program would: PRAGMA integrity_check and single numbers.
#include <sqlite3.h>

#include <string>

namespace augur::testing::faults {

// "ok", or SQLite's complaints (or the open error).
inline std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string e = db != nullptr ? sqlite3_errmsg(db) : "open failed";
    sqlite3_close(db);
    return e;
  }
  std::string out;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK) {
    while (sqlite3_step(s) == SQLITE_ROW) {
      if (!out.empty()) out += "; ";
      out += reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
  } else {
    out = sqlite3_errmsg(db);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

// The first column of the first row of `sql`, or -1.
inline long long query_number(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace augur::testing::faults
