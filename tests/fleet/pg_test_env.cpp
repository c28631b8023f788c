#include "pg_test_env.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace augur::store::test {

namespace {

std::string random_suffix() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string script_path() {
  return std::string(AUGUR_SOURCE_DIR) + "/tests/fleet/pg-server.sh";
}

}  // namespace

Result<std::string> shared_conninfo() {
  if (const char* env = std::getenv("AUGUR_TEST_PG_CONNINFO"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  const std::string file = std::string(AUGUR_PG_FIXTURE_DIR) + "/conninfo";
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) {
    return Error{
        "no PostgreSQL server for the fleet tests: run them through ctest (its fixture "
        "starts one with tests/fleet/pg-server.sh) or export AUGUR_TEST_PG_CONNINFO",
        file};
  }
  return line;
}

std::string with_option(const std::string& conninfo, const std::string& key,
                        const std::string& value) {
  if (conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://")) {
    std::string encoded;
    for (char c : value) {
      if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_') {
        encoded += c;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        encoded += buf;
      }
    }
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + key + "=" + encoded;
  }
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return conninfo + " " + key + "=" + quoted + "'";
}

Result<std::vector<std::vector<std::string>>> admin_sql(const std::string& conninfo,
                                                        const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = trim(PQerrorMessage(conn));
    PQfinish(conn);
    return Error{"admin connection: " + msg, ""};
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string msg = trim(PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(conn);
    return Error{"admin sql: " + msg, sql.substr(0, 80)};
  }
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < PQntuples(r); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(r); ++j) {
      row.emplace_back(PQgetisnull(r, i, j) != 0 ? "<null>" : PQgetvalue(r, i, j));
    }
    rows.push_back(std::move(row));
  }
  PQclear(r);
  PQfinish(conn);
  return rows;
}

PgSchema::~PgSchema() {
  if (!name_.empty()) (void)admin_sql(base_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
}

Status PgSchema::create() {
  auto base = shared_conninfo();
  if (!base) return base.error();
  base_ = *base;
  const std::string name = "augur_t_" + random_suffix();
  if (auto r = admin_sql(base_, "CREATE SCHEMA " + name); !r) return r.error();
  name_ = name;
  conninfo_ = with_option(base_, "options", "-csearch_path=" + name_);
  return {};
}

Result<std::vector<std::vector<std::string>>> PgSchema::sql(const std::string& statement) const {
  return admin_sql(conninfo_, statement);
}

std::string PgSchema::value(const std::string& statement) const {
  auto r = sql(statement);
  if (!r) return r.error().message();
  if (r->empty() || r->front().empty()) return "<no rows>";
  return r->front().front();
}

PrivateServer::~PrivateServer() {
  if (dir_.empty()) return;
  (void)script("stop");
  std::error_code ec;
  std::filesystem::remove(dir_ + ".log", ec);
}

Status PrivateServer::script(const std::string& command) {
  // Unset the shared-server variable: this server is the test's own.
  const std::string cmd = "env -u AUGUR_TEST_PG_CONNINFO bash '" + script_path() + "' " + command +
                          " '" + dir_ + "' >'" + dir_ + ".log' 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream log(dir_ + ".log");
    std::stringstream text;
    text << log.rdbuf();
    return Error{"pg-server.sh " + command + " failed (" + std::to_string(rc) + "): " + text.str(),
                 dir_};
  }
  return {};
}

Status PrivateServer::start() {
  std::string tmpl = "/tmp/augur-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return errno_error("mkdtemp", tmpl);
  dir_ = tmpl;
  if (auto s = script("start"); !s) return s;
  std::ifstream in(dir_ + "/conninfo");
  if (!std::getline(in, conninfo_)) return Error{"no conninfo written", dir_};
  return {};
}

Status PrivateServer::pause() {
  return script("pause");
}

Status PrivateServer::resume() {
  return script("resume");
}

}  // namespace augur::store::test
