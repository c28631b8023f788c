// Two augurd processes, host-a and host-b, on one real PostgreSQL server, each enforcing CPU
// quotas on a real cgroup v1 controller of its own; both cgroups are of application type
// "web" and run the same phased workload (augur/demo/phased_workload.h). Host A's workload
// starts its phases at 36 s, every 40 s; its first episode (labelled 10 s later, while the server is
// down) becomes a labelled pattern in PostgreSQL once the outbox drains. Whether a later
// phase opens a second episode depends on when the first one ends, which the host's noise
// moves, so the scenario needs only the first (min_neighbours 1).
// Host B's starts at 96 s: by then B has pulled A's patterns, and the prediction for B's
// first phase is made from them. (B may have opened an episode of its own before, when A's
// phases took the CPUs from it: that one is labelled too, so the check is that A's patterns
// are among the neighbours, not that they are the only ones.) A's second phase ends 8 s
// before B's starts, so that an episode A's load opens on B has ended by then: with A's
// phases 24 s apart, A's third one took the CPUs until B's phase began, and under the
// sanitizers B's episode once opened on it 1.2 s early and held through B's phase. Meanwhile the server is stopped for
// 20 s and started again: both daemons keep ticking, their outboxes drain, and after both stop
// every record each host made is in PostgreSQL exactly once.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../daemon/phased_cgroup.h"
#include "../daemon/test_process.h"
#include "pg_test_env.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;
using store::test::PrivateServer;

struct Host {
  std::string id;
  TempDir dir;
  std::string cgroup;
};

std::string config(const Host& h, const std::string& conninfo) {
  return "daemon:\n  runtime_dir: " + h.dir.file("run") + "\n  state_dir: " + h.dir.file("state") +
         "\n  mode: enforce\n  host_id: " + h.id +
         "\n"
         "log:\n  target: stderr\n"
         "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
         "  cgroups:\n    enabled: true\n    patterns: [\"" +
         h.cgroup + "\"]\n    type_rules:\n      - pattern: \"" + h.cgroup +
         "\"\n        type: web\n"
         "sampling:\n  interval: 200ms\n"
         "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
         "drift:\n  min_baseline_windows: 15\n  end_hold_ticks: 10\n"
         "predict:\n  k: 3\n  min_neighbours: 1\n  horizon: 10s\n"
         "plan:\n  cpu: {min: 0.3, max: 1.2, max_step_fraction: 0.5, cooldown: 1s}\n"
         "  scale_down_window: 4s\n  verify_settle: 4s\n  breaker_flips_per_hour: 1000\n"
         "store:\n  backend: postgresql\n  postgres_conninfo: \"" +
         conninfo +
         "\"\n  cache_refresh: 1s\n"
         "control:\n  group: root\nmetrics:\n  enabled: false\n";
}

nlohmann::json status(const Host& h) {
  const int rc = run_to_exit(
      {AUGURCTL_PATH, "status", "--json", "--socket", h.dir.file("run") + "/augur.sock"},
      h.dir.file("ctl.out"), h.dir.file("ctl.err"));
  if (rc != 0) return nlohmann::json();
  return nlohmann::json::parse(read_file(h.dir.file("ctl.out")), nullptr, false);
}

// Rows of `table` written by `host` in the host's local SQLite file, and its outbox's length.
long long local_count(const Host& h, const std::string& sql) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(h.dir.file("state/augur.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
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

std::size_t count_lines(const std::string& log, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

// "prediction for <name>: ..." records with their NEIGHBOURS field.
std::vector<std::string> predictions(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("prediction for ") != std::string::npos &&
        line.find("NEIGHBOURS=") != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

TEST(AugurdFleet, HostALabelsHostBPredictsAndAnOutageLosesNothing) {
  if (::access(kCgroupV1Cpu.c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup v1 cpu controller at " << kCgroupV1Cpu;
  }
  if (::access(kCgroupUnified.c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup2 tree at " << kCgroupUnified;
  }
  PrivateServer pg;
  ASSERT_TRUE(pg.start()) << "no PostgreSQL server";

  const std::string suffix = std::to_string(::getpid());
  Host a{"host-a", {}, "augur-fleet-a-" + suffix};
  Host b{"host-b", {}, "augur-fleet-b-" + suffix};
  demo::PhaseSchedule a_schedule;  // phases at 36 and 76 s, loading until 48 and 88 s
  a_schedule.period_s = 40;
  demo::PhaseSchedule b_schedule;
  b_schedule.warmup_s = 96;
  constexpr double kPauseAt = 44;
  constexpr double kResumeAt = 64;
  const double end_s = b_schedule.phase_start(0) + 14;

  const auto start = demo::WorkloadClock::now();
  PhasedCgroup a_cg(a.cgroup, a_schedule, start, 30000);
  PhasedCgroup b_cg(b.cgroup, b_schedule, start, 30000);
  write_file(a.dir.file("augur.yaml"), config(a, pg.conninfo()));
  write_file(b.dir.file("augur.yaml"), config(b, pg.conninfo()));
  Child a_daemon({AUGURD_PATH, "--config", a.dir.file("augur.yaml")}, {}, a.dir.file("out"),
                 a.dir.file("err"));
  Child b_daemon({AUGURD_PATH, "--config", b.dir.file("augur.yaml")}, {}, b.dir.file("out"),
                 b.dir.file("err"));
  auto wait_until = [&](double t) {
    while (demo::seconds_since(start) < t) std::this_thread::sleep_for(20ms);
  };

  // The outage: ticks counted from just before the stop to just after the restart.
  wait_until(kPauseAt);
  const nlohmann::json a0 = status(a);
  const nlohmann::json b0 = status(b);
  ASSERT_TRUE(a0.is_object() && b0.is_object()) << read_file(a.dir.file("err"));
  const auto t0 = demo::WorkloadClock::now();
  ASSERT_TRUE(pg.pause());
  // Mid-outage both daemons say so in their status (and /metrics from the same summary).
  wait_until((kPauseAt + kResumeAt) / 2);
  for (const Host* h : {&a, &b}) {
    const nlohmann::json mid = status(*h);
    ASSERT_TRUE(mid.is_object());
    const nlohmann::json fleet = mid["analyser"]["fleet"];
    ASSERT_TRUE(fleet.is_object()) << h->id << ": no fleet status: " << mid.dump();
    EXPECT_FALSE(fleet["connected"].get<bool>()) << h->id << ": " << fleet.dump();
    EXPECT_GT(fleet["failures"].get<double>(), 0) << h->id << ": " << fleet.dump();
    std::printf("[ fleet ] %s mid-outage: %s\n", h->id.c_str(), fleet.dump().c_str());
  }
  wait_until(kResumeAt);
  ASSERT_TRUE(pg.resume());
  const nlohmann::json a1 = status(a);
  const nlohmann::json b1 = status(b);
  const double outage_s = demo::seconds_since(t0);
  ASSERT_TRUE(a1.is_object() && b1.is_object());
  for (const auto& [name, before, after] :
       {std::tuple{"host-a", a0, a1}, std::tuple{"host-b", b0, b1}}) {
    const double ticks = after["ticks"].get<double>() - before["ticks"].get<double>();
    std::printf("[ fleet ] %s: %.0f ticks in %.1f s of outage (%.0f expected), %s drops\n", name,
                ticks, outage_s, outage_s / 0.2, after["sample_queue_drops"].dump().c_str());
    EXPECT_GE(ticks, 0.9 * outage_s / 0.2) << name << " did not keep its tick";
    EXPECT_EQ(after["sample_queue_drops"], before["sample_queue_drops"]) << name;
    EXPECT_EQ(after["plan_queue_drops"], before["plan_queue_drops"]) << name;
  }

  // Predictions host B made before its own phases: the first one after is the claim's.
  wait_until(b_schedule.phase_start(0) - 1);
  const std::size_t b_predictions_before_phases = predictions(read_file(b.dir.file("err"))).size();

  wait_until(end_s);
  for (const Host* h : {&a, &b}) {
    const nlohmann::json fleet = status(*h)["analyser"]["fleet"];
    EXPECT_TRUE(fleet.is_object() && fleet["connected"].get<bool>())
        << h->id << ": " << fleet.dump();
  }
  ASSERT_TRUE(a_daemon.running()) << read_file(a.dir.file("err"));
  ASSERT_TRUE(b_daemon.running()) << read_file(b.dir.file("err"));
  a_daemon.signal(SIGTERM);
  b_daemon.signal(SIGTERM);
  EXPECT_EQ(a_daemon.wait_exit(30s), std::optional<int>(0));
  EXPECT_EQ(b_daemon.wait_exit(30s), std::optional<int>(0));
  const std::string a_log = read_file(a.dir.file("err"));
  const std::string b_log = read_file(b.dir.file("err"));

  // Failures name their check in one line; both logs' key lines follow at the end only then
  // (a CI excerpt shows the head of the output, and the logs are long).
  auto dump_logs_on_failure = [&] {
    if (!::testing::Test::HasFailure()) return;
    for (const auto& [name, log] : {std::pair{"host-a", a_log}, std::pair{"host-b", b_log}}) {
      std::istringstream in(log);
      for (std::string line; std::getline(in, line);) {
        if (line.find("applied:") == std::string::npos) {
          std::printf("[ %s log ] %s\n", name, line.substr(0, 300).c_str());
        }
      }
    }
  };

  // The outage was reported once per daemon, and its end once.
  EXPECT_EQ(count_lines(a_log, "shared store unavailable"), 1u) << "host-a";
  EXPECT_EQ(count_lines(a_log, "shared store reachable again"), 1u) << "host-a";
  EXPECT_EQ(count_lines(b_log, "shared store unavailable"), 1u) << "host-b";

  // Host B's first phase was predicted from host A's patterns.
  const std::vector<std::string> b_predictions = predictions(b_log);
  if (b_predictions.size() <= b_predictions_before_phases) {
    ADD_FAILURE() << "host B made no prediction after its phases started ("
                  << b_predictions_before_phases << " before)";
    dump_logs_on_failure();
    return;
  }
  // NEIGHBOURS="<instance>@<unix ms> d=<distance>;...". Host B's own patterns are at most
  // those of episodes its neighbour's load opened before its phases; host A's phase
  // patterns are the nearest to B's phase, so they must be among the neighbours.
  const std::string& first = b_predictions[b_predictions_before_phases];
  std::printf("[ fleet ] host B (%zu predictions before its phases): %s\n",
              b_predictions_before_phases, first.c_str());
  const auto at = first.find("NEIGHBOURS=\"") + 12;
  const std::string neighbours = first.substr(at, first.find('"', at) - at);
  EXPECT_NE(neighbours.find(a.cgroup + "@"), std::string::npos)
      << "host B's first prediction used none of host A's patterns: " << neighbours;

  // Every record each host made is in PostgreSQL once: the same count as its own rows in
  // its local file (record ids are primary keys there, so a duplicate cannot hide).
  for (const Host* h : {&a, &b}) {
    EXPECT_EQ(local_count(*h, "SELECT count(*) FROM outbox"), 0) << h->id << ": outbox not empty";
    // Baselines: the type ones, the only ones a host shares.
    for (const std::string table : {"episodes", "patterns", "changes", "baselines"}) {
      const std::string where = " WHERE host_id = '" + h->id + "'" +
                                (table == "baselines" ? " AND key LIKE 'type:%'" : "");
      const long long local = local_count(*h, "SELECT count(*) FROM " + table + where);
      auto shared = store::test::admin_sql(pg.conninfo(), "SELECT count(*) FROM " + table + where);
      if (!shared) {
        ADD_FAILURE() << shared.error().message();
        continue;
      }
      std::printf("[ fleet ] %s %s: local %lld, PostgreSQL %s\n", h->id.c_str(), table.c_str(),
                  local, (*shared)[0][0].c_str());
      EXPECT_EQ(std::to_string(local), (*shared)[0][0]) << h->id << " " << table;
    }
  }
  auto labelled = store::test::admin_sql(
      pg.conninfo(),
      "SELECT count(*) FROM patterns WHERE host_id = 'host-a' AND outcome IS NOT NULL");
  ASSERT_TRUE(labelled);
  // Its first, labelled while the server was down: the label came through the outbox.
  EXPECT_GE(std::stoi((*labelled)[0][0]), 1) << "no label of host A reached PostgreSQL";

  // Each host's timeline, short: episodes, predictions, the outage and the pulls.
  for (const auto& [name, log] : {std::pair{"host-a", a_log}, std::pair{"host-b", b_log}}) {
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      for (const char* key :
           {"drift episode started", "prediction for", "shared store", "of other hosts added"}) {
        if (line.find(key) != std::string::npos) {
          std::printf("[ %s ] %s\n", name, line.substr(0, 140).c_str());
          break;
        }
      }
    }
  }
  dump_logs_on_failure();
}

}  // namespace
}  // namespace augur::testing
