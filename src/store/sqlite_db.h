#pragma once
// Internal: thin RAII over the sqlite3 C API. Every failure becomes an augur::Error
// carrying SQLite's message and the database path; SQLITE_FULL maps to ENOSPC.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "augur/util/result.h"

namespace augur::store::detail {

Error sqlite_error(sqlite3* db, int rc, std::string what, const std::string& path);

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  static Result<Stmt> prepare(sqlite3* db, std::string_view sql, const std::string& path);

  // Binding positions count from 1, as in SQLite.
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }  // NaN binds as NULL
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int i) { sqlite3_bind_null(s_, i); }
  void bind(int i, const std::optional<std::int64_t>& v) {
    if (v) {
      bind(i, *v);
    } else {
      bind_null(i);
    }
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  [[nodiscard]] double real(int col) const { return sqlite3_column_double(s_, col); }
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] std::string blob(int col) const;

 private:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  sqlite3_stmt* s_ = nullptr;
};

// Runs one or more statements without results.
Status exec(sqlite3* db, std::string_view sql, const std::string& path);

}  // namespace augur::store::detail
