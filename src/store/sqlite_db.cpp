#include "sqlite_db.h"

#include <cerrno>

namespace augur::store::detail {

Error sqlite_error(sqlite3* db, int rc, std::string what, const std::string& path) {
  std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  int err = 0;
  if (primary == SQLITE_FULL) {
    err = ENOSPC;
    what += " (store full: disk or size cap)";
  } else if (primary == SQLITE_IOERR) {
    err = EIO;
  }
  return Error{what + ": " + msg, path, err};
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  sqlite3_finalize(s_);
}

Result<Stmt> Stmt::prepare(sqlite3* db, std::string_view sql, const std::string& path) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(s);
    return sqlite_error(db, rc, "prepare '" + std::string(sql.substr(0, 60)) + "'", path);
  }
  return Stmt(s);
}

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
                      : std::string();
}

std::string Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n))
                      : std::string();
}

Status exec(sqlite3* db, std::string_view sql, const std::string& path) {
  char* err = nullptr;
  const std::string s(sql);
  int rc = sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // sqlite3_errmsg(db) still holds the message
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "exec '" + s.substr(0, 60) + "'", path);
  return {};
}

}  // namespace augur::store::detail
