// What the PostgreSQL store does beyond the shared contract (store_contract_test.cpp):
// migrations, fleet rules, credentials, and outages of a real server.
#include "augur/store/postgres_store.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "pg_test_env.h"

namespace augur::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "augur-wrong-s3cret";

template <class T>
T value_of(Result<T> r) {
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? std::move(*r) : T{};
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

PatternRecord pattern(const std::string& instance, std::int64_t created_ms) {
  PatternRecord p;
  p.instance_id = instance;
  p.app_type = "db";
  p.created_unix_ms = created_ms;
  p.magnitude = 2;
  p.feature_table_version = 4;
  p.direction = {1.0};
  return p;
}

BaselineRecord baseline(const std::string& key, std::string payload, std::int64_t updated_ms) {
  BaselineRecord b;
  b.key = key;
  b.feature_table_version = 4;
  b.payload = std::move(payload);
  b.updated_unix_ms = updated_ms;
  return b;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = schema_.create();
    ASSERT_TRUE(s.has_value()) << s.error().message();
  }

  PostgresStoreOptions options(const std::string& host = "host-a") const {
    PostgresStoreOptions o;
    o.conninfo = schema_.conninfo();
    o.host_id = host;
    o.connect_timeout = std::chrono::seconds(2);
    o.statement_timeout = std::chrono::milliseconds(2000);
    return o;
  }

  std::unique_ptr<Store> open(const std::string& host = "host-a") {
    auto s = open_postgres_store(options(host));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message());
    return s ? std::move(*s) : nullptr;
  }

  test::PgSchema schema_;
};

TEST_F(PostgresStoreTest, MigratesAnEmptyDatabaseToTheCurrentVersion) {
  ASSERT_TRUE(open());
  EXPECT_EQ(schema_.value("SELECT value FROM augur_meta WHERE name = 'schema_version'"),
            std::to_string(kPostgresSchemaVersion));
  auto tables = value_of(
      schema_.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = '" +
                  schema_.name() + "' ORDER BY table_name"));
  std::vector<std::string> names;
  for (const auto& row : tables) names.push_back(row[0]);
  EXPECT_THAT(names,
              ::testing::ElementsAre("augur_hosts", "augur_meta", "augur_sequences", "baselines",
                                     "changes", "episodes", "patterns", "type_aggregates"));
  // Every record table carries the host.
  EXPECT_EQ(schema_.value("SELECT count(*) FROM information_schema.columns WHERE table_schema = '" +
                          schema_.name() + "' AND column_name = 'host_id'"),
            "6");
}

TEST_F(PostgresStoreTest, ReopeningIsANoOpAndKeepsRecords) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->append_pattern(pattern("vm-1", 1)).has_value());
  }
  const std::string tables_before = schema_.value(
      "SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_class WHERE relnamespace = '" +
      schema_.name() + "'::regnamespace");
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(value_of(store->count_rows()).patterns, 1u);
  EXPECT_EQ(schema_.value("SELECT value FROM augur_meta WHERE name = 'schema_version'"),
            std::to_string(kPostgresSchemaVersion));
  // No relation was made or remade.
  EXPECT_EQ(schema_.value("SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_class WHERE "
                          "relnamespace = '" +
                          schema_.name() + "'::regnamespace"),
            tables_before);
  EXPECT_EQ(schema_.value("SELECT count(*) FROM augur_hosts"), "1");
}

// Once the schema exists, hosts may use a role that can only read and write rows.
TEST_F(PostgresStoreTest, AnUpToDateDatabaseNeedsNoCreatePrivilege) {
  ASSERT_TRUE(open("host-admin"));
  const std::string role = schema_.name() + "_dml";
  ASSERT_TRUE(schema_
                  .sql("CREATE ROLE " + role + " LOGIN; GRANT USAGE ON SCHEMA " + schema_.name() +
                       " TO " + role +
                       "; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " +
                       schema_.name() + " TO " + role)
                  .has_value());
  PostgresStoreOptions o = options("host-b");
  o.conninfo = test::with_option(o.conninfo, "user", role);
  auto store = open_postgres_store(o);
  std::string error = store ? "" : store.error().message();
  if (store) {
    auto id = (*store)->append_pattern(pattern("vm-1", 1));
    if (id) {
      auto labelled = (*store)->label_pattern(*id, ResourceVector{}, 2);
      if (!labelled) error = labelled.error().message();
    } else {
      error = id.error().message();
    }
    store->reset();
  }
  (void)schema_.sql("DROP OWNED BY " + role + "; DROP ROLE " + role);
  EXPECT_EQ(error, "");
}

TEST_F(PostgresStoreTest, RefusesADatabaseWithANewerSchemaVersion) {
  ASSERT_TRUE(open());
  ASSERT_TRUE(schema_.sql("UPDATE augur_meta SET value = '99' WHERE name = 'schema_version'"));
  auto s = open_postgres_store(options());
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(s.error().message(), HasSubstr("newer than this Augur knows (2)"));
  EXPECT_EQ(s.error().errno_value, 0);  // not an outage: retrying will not help
  // Left as it was: neither migrated down nor dropped.
  EXPECT_EQ(schema_.value("SELECT value FROM augur_meta WHERE name = 'schema_version'"), "99");
  EXPECT_EQ(schema_.value("SELECT count(*) FROM augur_hosts"), "1");
}

TEST_F(PostgresStoreTest, HostsStartingAtOnceMigrateOnce) {
  constexpr int kHosts = 6;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kHosts);
  for (int i = 0; i < kHosts; ++i) {
    threads.emplace_back([&, i] {
      auto s = open_postgres_store(options("host-" + std::to_string(i)));
      if (!s) errors[static_cast<std::size_t>(i)] = s.error().message();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(schema_.value("SELECT count(*) FROM augur_hosts"), std::to_string(kHosts));
  EXPECT_EQ(schema_.value("SELECT value FROM augur_meta WHERE name = 'schema_version'"),
            std::to_string(kPostgresSchemaVersion));
}

TEST_F(PostgresStoreTest, BaselineUpsertKeepsTheNewest) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("type:web", "new", 2000)).has_value());
  // A late replay of an older baseline (an outbox draining) loses.
  ASSERT_TRUE(store->put_baseline(baseline("type:web", "old", 1000)).has_value());
  EXPECT_EQ(value_of(store->get_baseline("type:web", 4))->payload, "new");
  // Equal time: the later write wins, as a re-put of the same state must.
  ASSERT_TRUE(store->put_baseline(baseline("type:web", "same-ms", 2000)).has_value());
  EXPECT_EQ(value_of(store->get_baseline("type:web", 4))->payload, "same-ms");
}

TEST_F(PostgresStoreTest, ScalarNaNsAndInfinitiesRoundTripExactly) {
  auto store = open();
  ASSERT_TRUE(store);
  EpisodeRecord e;
  e.instance_id = "vm-1";
  e.peak_score = kUnknown;
  e.direction = {std::numeric_limits<double>::infinity(), -0.0, 5e-324};
  ASSERT_TRUE(store->append_episode(e).has_value());
  PatternRecord p = pattern("vm-1", 1);
  p.magnitude = -std::numeric_limits<double>::infinity();
  ASSERT_TRUE(store->append_pattern(p).has_value());
  auto eps = value_of(store->episodes("vm-1"));
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_TRUE(std::isnan(eps[0].peak_score));
  EXPECT_TRUE(std::isinf(eps[0].direction[0]));
  EXPECT_TRUE(std::signbit(eps[0].direction[1]));
  EXPECT_EQ(eps[0].direction[2], 5e-324);
  auto pats = value_of(store->unlabelled_patterns(1));
  ASSERT_EQ(pats.size(), 1u);
  EXPECT_EQ(pats[0].magnitude, -std::numeric_limits<double>::infinity());
}

TEST_F(PostgresStoreTest, RequiresAHostId) {
  auto s = open_postgres_store(options(""));
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message(), HasSubstr("host_id"));
}

TEST_F(PostgresStoreTest, AStatementBlockedPastStatementTimeoutFailsAndTheStoreGoesOn) {
  PostgresStoreOptions o = options();
  o.statement_timeout = std::chrono::milliseconds(300);
  auto opened = open_postgres_store(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  auto& store = *opened;
  // Another session holds the patterns table locked (an operator's long migration).
  PGconn* admin = PQconnectdb(schema_.conninfo().c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK);
  PQclear(PQexec(admin, "BEGIN"));
  PQclear(PQexec(admin, "LOCK TABLE patterns IN ACCESS EXCLUSIVE MODE"));
  const auto t0 = Clock::now();
  auto r = store->labelled_patterns(10);
  const double took = seconds_since(t0);
  PQclear(PQexec(admin, "ROLLBACK"));
  PQfinish(admin);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message(), HasSubstr("57014"));  // query_canceled
  EXPECT_LT(took, 2.0);
  EXPECT_TRUE(store->labelled_patterns(10).has_value());
}

// redact_conninfo

TEST(RedactConninfo, MasksPasswordsAndKeepsWhereTheServerIs) {
  const std::string r = redact_conninfo(
      "host=db1 port=5433 dbname=augur user=augur password=hunter2 sslmode=verify-full "
      "sslrootcert=/etc/augur/ca.pem sslpassword=keypass");
  EXPECT_THAT(r, Not(HasSubstr("hunter2")));
  EXPECT_THAT(r, Not(HasSubstr("keypass")));
  EXPECT_THAT(r, HasSubstr("host=db1"));
  EXPECT_THAT(r, HasSubstr("port=5433"));
  EXPECT_THAT(r, HasSubstr("dbname=augur"));
  EXPECT_THAT(r, HasSubstr("user=augur"));
  EXPECT_THAT(r, HasSubstr("password=***"));
  EXPECT_THAT(r, HasSubstr("sslpassword=***"));
  EXPECT_THAT(r, HasSubstr("sslmode=verify-full"));
}

TEST(RedactConninfo, HandlesUrisServicesQuotesAndGarbage) {
  const std::string uri =
      redact_conninfo("postgresql://augur:hunter2@db1:5433/augur?sslmode=require");
  EXPECT_THAT(uri, Not(HasSubstr("hunter2")));
  EXPECT_THAT(uri, HasSubstr("host=db1"));
  EXPECT_THAT(uri, HasSubstr("user=augur"));
  EXPECT_EQ(redact_conninfo("service=augur-fleet"), "service=augur-fleet");
  EXPECT_EQ(redact_conninfo("augur"), "dbname=augur");  // a bare word is a database name
  EXPECT_EQ(redact_conninfo(""), "");
  const std::string quoted = redact_conninfo("password='two words' options='-csearch_path=x'");
  EXPECT_THAT(quoted, Not(HasSubstr("two")));
  EXPECT_THAT(quoted, HasSubstr("options=-csearch_path=x"));
  EXPECT_EQ(redact_conninfo("host=db1 password='hunter2"), "<unparsable conninfo>");
  EXPECT_EQ(redact_conninfo("password=hunter2 nonsense=1"), "<unparsable conninfo>");
}

TEST_F(PostgresStoreTest, AFailedLoginNeverShowsThePassword) {
  auto base = test::shared_conninfo();
  ASSERT_TRUE(base.has_value());
  // Role augur_pw (made by pg-server.sh) logs in by password; a wrong one must fail.
  PostgresStoreOptions o = options();
  o.conninfo = test::with_option(test::with_option(*base, "user", "augur_pw"), "password", kSecret);
  auto s = open_postgres_store(o);
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(s.error().message(), HasSubstr("password=***"));
  EXPECT_EQ(s.error().errno_value, ENOTCONN);
}

TEST_F(PostgresStoreTest, AWrongPortOrUnparsableConninfoNeverShowsThePassword) {
  auto base = test::shared_conninfo();
  ASSERT_TRUE(base.has_value());
  PostgresStoreOptions o = options();
  o.conninfo = test::with_option(test::with_option(*base, "port", "1"), "password", kSecret);
  auto s = open_postgres_store(o);
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(s.error().message(), HasSubstr("port=1"));
  // A configuration error, not an outage (errno 0), and libpq's parse messages can quote
  // pieces of the string.
  for (const std::string& bad :
       {std::string("host=db1 password=") + kSecret + " port='5432",
        std::string("host=db1 ") + kSecret, std::string("host=db1 ") + kSecret + "=1"}) {
    o.conninfo = bad;
    s = open_postgres_store(o);
    ASSERT_FALSE(s.has_value());
    EXPECT_THAT(s.error().message(), Not(HasSubstr(kSecret)));
    EXPECT_THAT(s.error().message(), HasSubstr("invalid PostgreSQL conninfo"));
    EXPECT_EQ(s.error().errno_value, 0);
  }
}

// Outages

// A TCP listener that never accepts: the kernel completes the handshake, then the "server"
// says nothing, as a hung host or a half-cut network does.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0 && listen(fd_, 16) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port_ = ntohs(a.sin_port);
    }
  }
  ~SilentServer() { close(fd_); }
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(PostgresOutage, ASilentServerCostsOnlyTheConnectTimeout) {
  SilentServer silent;
  ASSERT_NE(silent.port(), 0);
  PostgresStoreOptions o;
  o.conninfo = "host=127.0.0.1 port=" + std::to_string(silent.port()) +
               " dbname=augur user=augur password=" + kSecret;
  o.host_id = "host-a";
  o.connect_timeout = std::chrono::seconds(2);
  const auto t0 = Clock::now();
  auto s = open_postgres_store(o);
  const double took = seconds_since(t0);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().errno_value, ENOTCONN);
  EXPECT_THAT(s.error().message(), Not(HasSubstr(kSecret)));
  // libpq counts the timeout in whole wall-clock seconds: between 1 and 2 s here.
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 3.5);
}

TEST_F(PostgresStoreTest, RecoversByItselfWhenItsBackendIsTerminated) {
  const std::string app = "augur-cut-" + schema_.name();
  PostgresStoreOptions o = options();
  o.conninfo = test::with_option(o.conninfo, "application_name", app);
  auto opened = open_postgres_store(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  auto& store = *opened;
  ASSERT_TRUE(store->append_pattern(pattern("vm-1", 1)).has_value());
  const std::string pid_before =
      schema_.value("SELECT pid FROM pg_stat_activity WHERE application_name = '" + app + "'");
  EXPECT_EQ(schema_.value("SELECT pg_terminate_backend(" + pid_before + ")"), "t");

  // The call that meets the cut fails at once, telling an outage from a bad request.
  const auto t0 = Clock::now();
  auto cut = store->append_pattern(pattern("vm-1", 2));
  EXPECT_LT(seconds_since(t0), 1.0);
  if (!cut) {
    EXPECT_EQ(cut.error().errno_value, ENOTCONN) << cut.error().message();
  }
  // The next reconnects and prepares its statements again.
  auto next = store->append_pattern(pattern("vm-1", 3));
  ASSERT_TRUE(next.has_value()) << next.error().message();
  const std::size_t expected = cut ? 3 : 2;
  EXPECT_EQ(value_of(store->count_rows()).patterns, expected);
  const std::string pid_after =
      schema_.value("SELECT pid FROM pg_stat_activity WHERE application_name = '" + app + "'");
  EXPECT_NE(pid_after, pid_before);
}

// Holds a backend process stopped (SIGSTOP) and lets it go on destruction, so the server
// can always shut down.
class FrozenProcess {
 public:
  explicit FrozenProcess(pid_t pid) : pid_(pid), frozen_(kill(pid, SIGSTOP) == 0) {}
  ~FrozenProcess() {
    if (frozen_) kill(pid_, SIGCONT);
  }
  [[nodiscard]] bool frozen() const { return frozen_; }

 private:
  pid_t pid_;
  bool frozen_;
};

// A backend that stops answering mid-session (a hung host, a half-cut network): the
// server's statement_timeout cannot fire, so only the store's own deadline ends the wait.
// A private server: the test signals its backend, which needs it on this machine.
TEST(PostgresOutage, AFrozenBackendCostsTheDeadlineThenTheStoreReconnects) {
  test::PrivateServer server;
  auto started = server.start();
  ASSERT_TRUE(started.has_value()) << started.error().message();
  PostgresStoreOptions o;
  o.conninfo = test::with_option(server.conninfo(), "application_name", "augur-frozen");
  o.host_id = "host-a";
  o.connect_timeout = std::chrono::seconds(2);
  o.statement_timeout = std::chrono::milliseconds(500);
  auto opened = open_postgres_store(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  auto& store = *opened;
  auto pid = test::admin_sql(server.conninfo(),
                             "SELECT pid FROM pg_stat_activity WHERE application_name = "
                             "'augur-frozen'");
  ASSERT_TRUE(pid.has_value() && pid->size() == 1);
  FrozenProcess frozen(static_cast<pid_t>(std::stol(pid->front().front())));
  ASSERT_TRUE(frozen.frozen());

  const auto t0 = Clock::now();
  auto r = store->count_rows();
  const double took = seconds_since(t0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().errno_value, ETIMEDOUT) << r.error().message();
  EXPECT_GE(took, 2.4);  // statement_timeout + connect_timeout
  EXPECT_LT(took, 3.5);
  // The next call opens a fresh session while the old backend is still frozen.
  auto next = store->count_rows();
  EXPECT_TRUE(next.has_value()) << next.error().message();
}

TEST(PostgresOutage, AStoppedServerFailsCallsQuicklyAndTheStoreRecoversAfterRestart) {
  test::PrivateServer server;
  auto started = server.start();
  ASSERT_TRUE(started.has_value()) << started.error().message();
  PostgresStoreOptions o;
  o.conninfo = server.conninfo();
  o.host_id = "host-a";
  o.connect_timeout = std::chrono::seconds(2);
  auto opened = open_postgres_store(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  auto& store = *opened;
  const std::string first = value_of(store->append_pattern(pattern("vm-1", 1)));

  ASSERT_TRUE(server.pause().has_value());
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    auto r = store->append_pattern(pattern("vm-1", 10 + i));
    const double took = seconds_since(t0);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().errno_value, ENOTCONN) << r.error().message();
    EXPECT_LT(took, 2.5) << "call " << i << ": " << r.error().message();
    EXPECT_FALSE(store->count_rows().has_value());
  }

  ASSERT_TRUE(server.resume().has_value());
  auto after = store->append_pattern(pattern("vm-1", 20));
  ASSERT_TRUE(after.has_value()) << after.error().message();
  // The sequence went on from the database: no id was reused.
  EXPECT_NE(*after, first);
  EXPECT_EQ(after->substr(0, after->rfind(':')), first.substr(0, first.rfind(':')));
  const TableCounts n = value_of(store->count_rows());
  EXPECT_EQ(n.patterns, 2u);
}

}  // namespace
}  // namespace augur::store
