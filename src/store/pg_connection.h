#pragma once
// Internal: one libpq connection with a bounded wait on every round trip. libpq-fe.h stays
// in src/store, out of the public headers.
//
// Every statement is sent asynchronously and awaited with poll() against a deadline, so a
// server that stops answering (a cut network, a hung host) costs at most the deadline, not
// a TCP timeout of minutes. Parameters and results travel in binary format: int8 and float8
// are exact (NaN and infinities included) and bytea needs no escaping.
//
// Errors carry the redacted conninfo as `where`, never the password. errno_value is
// ENOTCONN when the connection is unusable (refused, dropped, terminated by the server) and
// ETIMEDOUT when the deadline passed; both mark the connection for reopening. SQL errors
// (constraint, syntax, statement_timeout) leave it open and carry errno 0.
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::store::detail {

// Type OIDs from PostgreSQL's pg_type.dat (stable across versions).
inline constexpr Oid kOidBytea = 17;
inline constexpr Oid kOidInt8 = 20;
inline constexpr Oid kOidText = 25;
inline constexpr Oid kOidFloat8 = 701;

// Whether libpq can parse the conninfo (errno 0 when not: a configuration error, not an
// outage). The message never repeats the string.
Status check_conninfo(std::string_view conninfo);

// Statement parameters in binary format, in order $1, $2, ...
class PgParams {
 public:
  PgParams& text(std::string_view v);
  PgParams& bytea(std::string_view v) { return text(v); }  // same bytes on the wire
  PgParams& int8(std::int64_t v);
  PgParams& float8(double v);
  PgParams& null();
  PgParams& int8(const std::optional<std::int64_t>& v) { return v ? int8(*v) : null(); }

  [[nodiscard]] int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object: valid while it lives and is not modified.
  [[nodiscard]] std::vector<const char*> pointers() const;
  [[nodiscard]] std::vector<int> lengths() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Reads one row of a binary-format result. A value of the wrong width (a schema changed
// under us) clears ok() instead of reading out of bounds.
class PgRow {
 public:
  PgRow(const PGresult* r, int row) : r_(r), row_(row) {}
  [[nodiscard]] bool is_null(int col) const { return PQgetisnull(r_, row_, col) != 0; }
  [[nodiscard]] std::string text(int col) const;  // text and bytea alike
  [[nodiscard]] std::string bytes(int col) const { return text(col); }
  [[nodiscard]] std::int64_t int8(int col);
  [[nodiscard]] double float8(int col);
  [[nodiscard]] std::optional<std::int64_t> opt_int8(int col);
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  const PGresult* r_;
  int row_;
  bool ok_ = true;
};

// A named statement, prepared on every (re)connection.
struct PgStatement {
  std::string name;
  std::string sql;
  std::vector<Oid> types;
};

struct PgConnectOptions {
  std::string conninfo;
  std::chrono::seconds connect_timeout{5};
  std::chrono::milliseconds statement_timeout{5000};
};

class PgConnection {
 public:
  explicit PgConnection(PgConnectOptions options);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Connects unless connected: one attempt bounded by connect_timeout, then the session
  // settings and every statement of `statements` prepared.
  Status ensure(const std::vector<PgStatement>& statements);
  // Prepares statements on the open connection (closing it on failure).
  Status prepare(const std::vector<PgStatement>& statements);
  [[nodiscard]] bool connected() const { return conn_ != nullptr; }
  // The redacted conninfo, for messages.
  [[nodiscard]] const std::string& where() const { return where_; }

  // Runs a prepared statement; the result is PGRES_TUPLES_OK or PGRES_COMMAND_OK.
  Result<PgResultPtr> exec_prepared(const std::string& name, const PgParams& params,
                                    const std::string& what);
  // Runs SQL text without parameters (may hold several statements; the last result is
  // returned).
  Result<PgResultPtr> exec(const std::string& sql, const std::string& what);
  // Runs SQL text with parameters (one statement).
  Result<PgResultPtr> exec_params(const std::string& sql, const PgParams& params,
                                  const std::vector<Oid>& types, const std::string& what);

  // Closes the connection (the next ensure() reopens it).
  void close();

 private:
  using Clock = std::chrono::steady_clock;
  Status connect();
  Status prepare_one(const PgStatement& s);
  // Waits for every result of the query just sent; keeps the last, or the first error.
  Result<PgResultPtr> await(const std::string& what);
  Status wait_socket(short events, Clock::time_point deadline, const std::string& what);
  Error connection_error(const std::string& what, int errno_value);
  Error result_error(const PGresult* r, const std::string& what);

  PgConnectOptions options_;
  std::string where_;
  PGconn* conn_ = nullptr;
};

}  // namespace augur::store::detail
