// The fleet layer on a real PostgreSQL server: the outbox through a server outage (the
// server stopped and started again), and the fleet type baseline merged from hosts' stored
// contributions against one learned from all their windows at once.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "../drift/fingerprints.h"
#include "augur/daemon/fleet_baselines.h"
#include "augur/drift/baseline_codec.h"
#include "augur/store/fleet_store.h"
#include "augur/store/postgres_store.h"
#include "pg_test_env.h"

namespace augur::store {
namespace {

namespace fs = std::filesystem;
namespace fp = augur::fingerprint;
using namespace std::chrono_literals;

class TempFolder {
 public:
  TempFolder() {
    std::string tmpl = (fs::temp_directory_path() / "augur-fleet-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Result<std::unique_ptr<Store>> connect(const std::string& conninfo, const std::string& host) {
  PostgresStoreOptions o;
  o.conninfo = conninfo;
  o.host_id = host;
  o.connect_timeout = 2s;
  return open_postgres_store(o);
}

TEST(FleetOnPostgres, AnOutageQueuesWritesWithoutStallingAndTheOutboxDrainsExactlyOnce) {
  test::PrivateServer server;
  ASSERT_TRUE(server.start()) << "no PostgreSQL server";
  TempFolder dir;
  std::mutex mu;
  std::vector<FleetEvent> events;
  FleetStoreOptions o;
  o.local.path = dir.file("host-a.db");
  o.local.host_id = "host-a";
  o.connect = [&] { return connect(server.conninfo(), "host-a"); };
  o.feature_table_version = 1;
  o.drain_interval = 50ms;
  o.retry_initial = 50ms;
  o.retry_max = 400ms;
  o.refresh_interval = 200ms;
  o.on_event = [&](const FleetEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
  };
  auto opened = FleetStore::open(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  FleetStore& a = **opened;

  // One write per 20 ms "tick" for 6 s; the server is down from 1.5 s to 4 s.
  double slowest_ms = 0;
  int produced = 0;
  const auto start = std::chrono::steady_clock::now();
  bool paused = false;
  bool resumed = false;
  while (std::chrono::steady_clock::now() - start < 6s) {
    const auto t = std::chrono::steady_clock::now() - start;
    if (!paused && t > 1500ms) {
      ASSERT_TRUE(server.pause());
      paused = true;
    }
    if (!resumed && t > 4s) {
      ASSERT_TRUE(server.resume());
      resumed = true;
    }
    EpisodeRecord e;
    e.instance_id = "vm-" + std::to_string(produced % 7);
    e.app_type = "web";
    e.start_unix_ms = 1000 + produced;
    e.peak_score = 3;
    e.feature_table_version = 1;
    e.direction = {1.0, 0.0};
    const auto w0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(a.append_episode(e).has_value());
    slowest_ms = std::max(
        slowest_ms,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count());
    ++produced;
    std::this_thread::sleep_for(20ms);
  }
  std::printf("[ fleet ] %d episodes written; slowest local write %.1f ms\n", produced, slowest_ms);
  EXPECT_LT(slowest_ms, 250.0) << "a write waited on the server";

  // The outbox drains once the server is back.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline &&
         (a.status().outbox > 0 || !a.status().connected)) {
    std::this_thread::sleep_for(50ms);
  }
  // The status is as of the thread's last pass, which may have begun before the last write:
  // one more pass, after it, sends whatever is left.
  ASSERT_TRUE(a.sync_now().has_value()) << a.status().last_error;
  const FleetStatus st = a.status();
  EXPECT_TRUE(st.connected) << st.last_error;
  EXPECT_EQ(st.outbox, 0u);
  auto shared = connect(server.conninfo(), "reader");
  ASSERT_TRUE(shared.has_value()) << shared.error().message();
  auto counts = (*shared)->count_rows();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->episodes, static_cast<std::size_t>(produced)) << "lost or duplicated rows";
  std::lock_guard lock(mu);
  const auto n = [&](FleetEvent::Kind k) {
    return std::count_if(events.begin(), events.end(),
                         [&](const FleetEvent& e) { return e.kind == k; });
  };
  EXPECT_EQ(n(FleetEvent::Kind::kDisconnected), 1) << "the outage is reported once";
  EXPECT_EQ(n(FleetEvent::Kind::kDrained), 1);
  for (const FleetEvent& e : events) {
    std::printf("[ fleet ] event %d: %s (%zu)\n", static_cast<int>(e.kind), e.message.c_str(),
                e.count);
  }
}

// Retention on a fleet host: instance baselines never reach PostgreSQL, so pruning them
// deletes rows of the host's local file only; its type baseline stays on both sides.
TEST(FleetOnPostgres, InstanceBaselinesArePrunedFromTheLocalFileAndNeverReachPostgres) {
  test::PgSchema schema;
  ASSERT_TRUE(schema.create()) << "no PostgreSQL server";
  TempFolder dir;
  FleetStoreOptions o;
  o.local.path = dir.file("host-a.db");
  o.local.host_id = "host-a";
  o.connect = [&] { return connect(schema.conninfo(), "host-a"); };
  o.feature_table_version = 1;
  o.start_thread = false;
  o.drain_at_stop = false;
  auto opened = FleetStore::open(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  FleetStore& a = **opened;
  auto put = [&](const std::string& key, std::int64_t updated_ms) {
    BaselineRecord r;
    r.key = key;
    r.feature_table_version = 1;
    r.payload = "p";
    r.updated_unix_ms = updated_ms;
    ASSERT_TRUE(a.put_baseline(r).has_value());
  };
  put("instance:vm-gone", 1000);
  put("instance:vm-live", 9000);
  put("type:web", 1000);
  ASSERT_TRUE(a.sync_now().has_value()) << a.status().last_error;
  EXPECT_EQ(schema.value("SELECT string_agg(key, ',' ORDER BY key) FROM baselines"), "type:web");

  auto pruned = a.prune_instance_baselines(5000);
  ASSERT_TRUE(pruned.has_value()) << pruned.error().message();
  EXPECT_EQ(*pruned, 1u);
  auto local = a.baselines(1);
  ASSERT_TRUE(local.has_value());
  ASSERT_EQ(local->size(), 2u);
  EXPECT_EQ((*local)[0].key, "instance:vm-live");
  EXPECT_EQ((*local)[1].key, "type:web");
  EXPECT_EQ(schema.value("SELECT count(*) FROM baselines"), "1");
}

// Three hosts, each learning its own contribution to type "web" from its own instances'
// windows, store them in PostgreSQL; any host's merge of what it reads back equals one
// baseline learned from every window at once.
TEST(FleetOnPostgres, TheFleetTypeBaselineEqualsOneLearnedFromAllHostsWindows) {
  test::PgSchema schema;
  ASSERT_TRUE(schema.create()) << "no PostgreSQL server";
  namespace synth = drift::testing;
  using synth::Noise;
  using synth::SyntheticInstance;
  std::mt19937_64 rng(11);
  std::gamma_distribution<double> scores(9.0, 0.1);
  drift::Baseline pooled = drift::make_baseline(/*track_covariance=*/true);
  const Noise noises[] = {Noise::kGaussian, Noise::kStudentT3, Noise::kAr1};
  const int counts[] = {700, 1100, 400};
  for (int h = 0; h < 3; ++h) {
    SyntheticInstance vm("vm-" + std::to_string(h), synth::web_profile(), noises[h],
                         static_cast<std::uint64_t>(h) + 1);
    drift::Baseline own = drift::make_baseline(/*track_covariance=*/true);
    for (const Fingerprint& f : synth::fingerprints_of(vm, counts[h])) {
      const double s = scores(rng);
      own.scores.add(s);
      pooled.scores.add(s);
      drift::learn(own, f);
      drift::learn(pooled, f);
    }
    const std::string host = "host-" + std::string(1, static_cast<char>('c' - h));  // c, b, a
    auto store = connect(schema.conninfo(), host);
    ASSERT_TRUE(store.has_value()) << store.error().message();
    BaselineRecord r;
    r.key = "type:web";
    r.feature_table_version = own.feature_table_version;
    r.payload = drift::serialize(own);
    r.updated_unix_ms = 1000 + h;
    ASSERT_TRUE((*store)->put_baseline(r).has_value());
  }
  auto reader = connect(schema.conninfo(), "host-z");
  ASSERT_TRUE(reader.has_value());
  auto records = (*reader)->baselines(pooled.feature_table_version);
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 3u);
  const daemon::FleetTypeBaselines fleet = daemon::merge_fleet_types(*records, "host-z");
  EXPECT_TRUE(fleet.errors.empty());
  EXPECT_EQ(fleet.contributions, 3u);
  ASSERT_EQ(fleet.merged.count("web"), 1u);
  const drift::Baseline& merged = fleet.merged.find("web")->second;

  auto close = [](double a, double b) {
    return std::abs(a - b) <= 1e-9 * std::max({std::abs(a), std::abs(b), 1e-12});
  };
  EXPECT_EQ(merged.fingerprints, pooled.fingerprints);
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const std::string name(fp::feature_table()[i].name);
    EXPECT_EQ(merged.features[i].count, pooled.features[i].count) << name;
    EXPECT_TRUE(close(merged.features[i].mean, pooled.features[i].mean)) << name << " mean";
    EXPECT_TRUE(close(merged.features[i].m2, pooled.features[i].m2)) << name << " m2";
  }
  EXPECT_EQ(merged.covariance.count, pooled.covariance.count);
  EXPECT_EQ(merged.scores.total(), pooled.scores.total());
  EXPECT_DOUBLE_EQ(drift::calibrated_threshold(merged, 0.99),
                   drift::calibrated_threshold(pooled, 0.99));

  // Order-independent: the same records in reverse order merge to the same bits.
  std::vector<BaselineRecord> reversed(records->rbegin(), records->rend());
  const daemon::FleetTypeBaselines again = daemon::merge_fleet_types(reversed, "host-z");
  EXPECT_EQ(drift::serialize(again.merged.find("web")->second), drift::serialize(merged));
}

}  // namespace
}  // namespace augur::store
