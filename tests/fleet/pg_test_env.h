#pragma once
// The PostgreSQL server under the fleet tests. The ctest fixture (pg-server.sh, wired in
// CMakeLists.txt) starts one private server per build tree and writes its conninfo to
// AUGUR_PG_FIXTURE_DIR/conninfo; a CI runner may instead export AUGUR_TEST_PG_CONNINFO. Each
// test works in a fresh schema of its own (search_path in the conninfo's options), so tests
// run in parallel. No server is a failure, never a skip.
#include <string>
#include <vector>

#include "augur/util/result.h"

namespace augur::store::test {

// $AUGUR_TEST_PG_CONNINFO, else the fixture's conninfo file; an Error saying how to get a
// server when neither exists.
Result<std::string> shared_conninfo();

// `conninfo` plus one more option, in keyword or URI form.
std::string with_option(const std::string& conninfo, const std::string& key,
                        const std::string& value);

// Runs SQL on its own connection, as an operator's psql would; the rows of the last
// statement as text (NULL as "<null>").
Result<std::vector<std::vector<std::string>>> admin_sql(const std::string& conninfo,
                                                        const std::string& sql);

// A fresh schema on the shared server, dropped (with everything in it) at destruction.
class PgSchema {
 public:
  PgSchema() = default;
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  ~PgSchema();

  Status create();
  // The shared conninfo with search_path set to this schema.
  [[nodiscard]] const std::string& conninfo() const { return conninfo_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // admin_sql inside this schema.
  Result<std::vector<std::vector<std::string>>> sql(const std::string& statement) const;
  // The first column of the first row, or the error text.
  [[nodiscard]] std::string value(const std::string& statement) const;

 private:
  std::string base_;
  std::string name_;
  std::string conninfo_;
};

// A private server of one test (for stopping and restarting it), under a fresh /tmp folder;
// stopped and removed at destruction.
class PrivateServer {
 public:
  PrivateServer() = default;
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;
  ~PrivateServer();

  Status start();
  Status pause();
  Status resume();
  [[nodiscard]] const std::string& conninfo() const { return conninfo_; }

 private:
  Status script(const std::string& command);
  std::string dir_;
  std::string conninfo_;
};

}  // namespace augur::store::test
