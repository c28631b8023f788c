#include "pg_connection.h"

#include <poll.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <string>

#include "augur/store/postgres_store.h"

namespace augur::store {

namespace {

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '\'' || c == '\\' || c == '\t' || c == '\n') return true;
  }
  return false;
}

// Quoted as libpq's conninfo syntax wants it, so the output parses back to the same options.
std::string quote_value(std::string_view v) {
  if (!needs_quotes(v)) return std::string(v);
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// libpq's own test (conninfo.c): a value with '=' or a URI prefix is a connection string;
// anything else is a database name.
bool is_connection_string(std::string_view s) {
  return s.find('=') != std::string_view::npos || s.starts_with("postgresql://") ||
         s.starts_with("postgres://");
}

}  // namespace

std::string redact_conninfo(std::string_view conninfo) {
  if (!is_connection_string(conninfo)) {
    return conninfo.empty() ? std::string() : "dbname=" + quote_value(conninfo);
  }
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(std::string(conninfo).c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);
    return "<unparsable conninfo>";
  }
  std::string out;
  for (const PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    // dispchar "*" is libpq's own mark for secrets (password, sslpassword).
    const bool secret = std::strchr(o->dispchar, '*') != nullptr ||
                        std::strcmp(o->keyword, "password") == 0 ||
                        std::strcmp(o->keyword, "sslpassword") == 0;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    out += secret ? "***" : quote_value(o->val);
  }
  PQconninfoFree(opts);
  return out;
}

}  // namespace augur::store

namespace augur::store::detail {

Status check_conninfo(std::string_view conninfo) {
  if (!is_connection_string(conninfo)) return {};
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(std::string(conninfo).c_str(), &err);
  PQfreemem(err);  // it may quote a piece of the string, such as a password
  if (opts == nullptr) {
    return Error{
        "invalid PostgreSQL conninfo: libpq cannot parse it (check option names and quoting)",
        "<unparsable conninfo>"};
  }
  PQconninfoFree(opts);
  return {};
}

namespace {

// libpq messages end in newlines and may span lines; one line reads better in a log.
std::string one_line(const char* msg) {
  std::string out;
  bool space = false;
  for (const char* p = msg != nullptr ? msg : ""; *p != '\0'; ++p) {
    const bool ws = *p == '\n' || *p == '\t' || *p == ' ' || *p == '\r';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += *p;
  }
  return out;
}

std::string big_endian(std::uint64_t bits) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>(bits >> (56 - 8 * i));
  return out;
}

// SQLSTATEs after which the session is gone: class 08 (connection exception), and
// 57P01-57P03 (the server is shutting down or not yet accepting).
bool session_lost(const char* sqlstate) {
  if (sqlstate == nullptr) return false;
  const std::string_view s(sqlstate);
  return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
}

}  // namespace

PgParams& PgParams::text(std::string_view v) {
  values_.emplace_back(std::string(v));
  return *this;
}

PgParams& PgParams::int8(std::int64_t v) {
  values_.emplace_back(big_endian(static_cast<std::uint64_t>(v)));
  return *this;
}

PgParams& PgParams::float8(double v) {
  values_.emplace_back(big_endian(std::bit_cast<std::uint64_t>(v)));
  return *this;
}

PgParams& PgParams::null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->data() : nullptr);
  return out;
}

std::vector<int> PgParams::lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? static_cast<int>(v->size()) : 0);
  return out;
}

std::string PgRow::text(int col) const {
  return std::string(PQgetvalue(r_, row_, col),
                     static_cast<std::size_t>(PQgetlength(r_, row_, col)));
}

std::int64_t PgRow::int8(int col) {
  if (PQgetisnull(r_, row_, col) != 0 || PQgetlength(r_, row_, col) != 8) {
    ok_ = false;
    return 0;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row_, col));
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
  return static_cast<std::int64_t>(bits);
}

double PgRow::float8(int col) {
  return std::bit_cast<double>(static_cast<std::uint64_t>(int8(col)));
}

std::optional<std::int64_t> PgRow::opt_int8(int col) {
  if (is_null(col)) return std::nullopt;
  return int8(col);
}

PgConnection::PgConnection(PgConnectOptions options)
    : options_(std::move(options)), where_(redact_conninfo(options_.conninfo)) {}

PgConnection::~PgConnection() {
  close();
}

void PgConnection::close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

Status PgConnection::ensure(const std::vector<PgStatement>& statements) {
  if (conn_ != nullptr) return {};
  if (auto s = connect(); !s) return s;
  return prepare(statements);
}

Status PgConnection::prepare(const std::vector<PgStatement>& statements) {
  for (const PgStatement& st : statements) {
    if (auto s = prepare_one(st); !s) {
      close();
      return s;
    }
  }
  return {};
}

Status PgConnection::connect() {
  const std::string timeout = std::to_string(options_.connect_timeout.count());
  // Keywords before "dbname" are defaults the conninfo may override; those after it are
  // forced (libpq processes them in order, the last value winning).
  const char* keys[] = {"application_name", "dbname", "connect_timeout", nullptr};
  const char* values[] = {"augurd", options_.conninfo.c_str(), timeout.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) return Error{"cannot connect to PostgreSQL: out of memory", where_};
  if (PQstatus(conn_) != CONNECTION_OK) {
    Error e = connection_error("cannot connect to PostgreSQL", ENOTCONN);
    close();
    return e;
  }
  if (PQsetnonblocking(conn_, 1) != 0) {
    Error e = connection_error("cannot make the PostgreSQL connection non-blocking", ENOTCONN);
    close();
    return e;
  }
  PgParams p;
  p.text(std::to_string(options_.statement_timeout.count()));
  auto r = exec_params("SELECT set_config('statement_timeout', $1, false)", p, {kOidText},
                       "setting statement_timeout");
  if (!r) {
    close();
    return r.error();
  }
  return {};
}

Status PgConnection::prepare_one(const PgStatement& s) {
  if (conn_ == nullptr) return Error{"preparing " + s.name + ": not connected", where_, ENOTCONN};
  if (PQsendPrepare(conn_, s.name.c_str(), s.sql.c_str(), static_cast<int>(s.types.size()),
                    s.types.data()) == 0) {
    Error e = connection_error("preparing " + s.name, ENOTCONN);
    close();
    return e;
  }
  auto r = await("preparing " + s.name);
  if (!r) return r.error();
  return {};
}

Result<PgResultPtr> PgConnection::exec_prepared(const std::string& name, const PgParams& params,
                                                const std::string& what) {
  if (conn_ == nullptr) return Error{what + ": not connected to PostgreSQL", where_, ENOTCONN};
  const auto ptrs = params.pointers();
  const auto lens = params.lengths();
  const std::vector<int> formats(ptrs.size(), 1);
  if (PQsendQueryPrepared(conn_, name.c_str(), params.size(), ptrs.data(), lens.data(),
                          formats.data(), /*resultFormat=*/1) == 0) {
    Error e = connection_error(what + ": connection lost", ENOTCONN);
    close();
    return e;
  }
  return await(what);
}

Result<PgResultPtr> PgConnection::exec(const std::string& sql, const std::string& what) {
  if (conn_ == nullptr) return Error{what + ": not connected to PostgreSQL", where_, ENOTCONN};
  if (PQsendQuery(conn_, sql.c_str()) == 0) {
    Error e = connection_error(what + ": connection lost", ENOTCONN);
    close();
    return e;
  }
  return await(what);
}

Result<PgResultPtr> PgConnection::exec_params(const std::string& sql, const PgParams& params,
                                              const std::vector<Oid>& types,
                                              const std::string& what) {
  if (conn_ == nullptr) return Error{what + ": not connected to PostgreSQL", where_, ENOTCONN};
  const auto ptrs = params.pointers();
  const auto lens = params.lengths();
  const std::vector<int> formats(ptrs.size(), 1);
  if (PQsendQueryParams(conn_, sql.c_str(), params.size(), types.data(), ptrs.data(), lens.data(),
                        formats.data(), /*resultFormat=*/1) == 0) {
    Error e = connection_error(what + ": connection lost", ENOTCONN);
    close();
    return e;
  }
  return await(what);
}

Status PgConnection::wait_socket(short events, Clock::time_point deadline,
                                 const std::string& what) {
  const int fd = PQsocket(conn_);
  if (fd < 0) return connection_error(what + ": connection lost", ENOTCONN);
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return Error{what + ": no answer from PostgreSQL within " +
                       std::to_string((options_.statement_timeout + options_.connect_timeout) /
                                      std::chrono::milliseconds(1)) +
                       " ms",
                   where_, ETIMEDOUT};
    }
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, static_cast<int>(left));
    if (rc > 0) return {};
    if (rc < 0 && errno != EINTR) return connection_error(what + ": poll", errno);
  }
}

Result<PgResultPtr> PgConnection::await(const std::string& what) {
  // The server's statement_timeout fires first; this bound is for a server or network that
  // went silent, where only giving up on the connection helps.
  const auto deadline = Clock::now() + options_.statement_timeout + options_.connect_timeout;
  auto fail = [&](Error e) -> Result<PgResultPtr> {
    close();
    return e;
  };
  for (;;) {
    const int f = PQflush(conn_);
    if (f == 0) break;
    if (f < 0) return fail(connection_error(what + ": connection lost", ENOTCONN));
    if (auto s = wait_socket(POLLIN | POLLOUT, deadline, what); !s) return fail(s.error());
    if (PQconsumeInput(conn_) == 0)
      return fail(connection_error(what + ": connection lost", ENOTCONN));
  }
  PgResultPtr last;
  PgResultPtr failed;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      if (auto s = wait_socket(POLLIN, deadline, what); !s) return fail(s.error());
      if (PQconsumeInput(conn_) == 0)
        return fail(connection_error(what + ": connection lost", ENOTCONN));
    }
    PgResultPtr r(PQgetResult(conn_));
    if (!r) break;
    const ExecStatusType st = PQresultStatus(r.get());
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && !failed) {
      failed = std::move(r);
    } else if (ok) {
      last = std::move(r);
    }
  }
  if (failed) {
    const char* state = PQresultErrorField(failed.get(), PG_DIAG_SQLSTATE);
    if (PQstatus(conn_) == CONNECTION_BAD || session_lost(state)) {
      return fail(Error{what + ": connection lost: " + one_line(PQresultErrorMessage(failed.get())),
                        where_, ENOTCONN});
    }
    return result_error(failed.get(), what);
  }
  if (!last) return fail(Error{what + ": no result from PostgreSQL", where_, ENOTCONN});
  return last;
}

Error PgConnection::connection_error(const std::string& what, int errno_value) {
  std::string msg = conn_ != nullptr ? one_line(PQerrorMessage(conn_)) : std::string();
  return Error{msg.empty() ? what : what + ": " + msg, where_, errno_value};
}

Error PgConnection::result_error(const PGresult* r, const std::string& what) {
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string msg = primary != nullptr ? primary : one_line(PQresultErrorMessage(r));
  if (state != nullptr) msg += std::string(" (SQLSTATE ") + state + ")";
  return Error{what + ": " + msg, where_};
}

}  // namespace augur::store::detail
