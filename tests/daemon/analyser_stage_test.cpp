#include "augur/daemon/analyser_stage.h"

#include <gtest/gtest.h>

#include <random>

#include "augur/drift/baseline_codec.h"
#include "augur/fingerprint/feature_table.h"
#include "augur/store/fleet_store.h"
#include "augur/store/sqlite_store.h"
#include "test_process.h"

namespace augur::daemon {
namespace {
using namespace std::chrono_literals;

config::Config small_windows() {
  config::Config c;
  c.fingerprint.window_ticks = 8;
  c.fingerprint.ring_capacity = 16;
  c.drift.min_baseline_windows = 2;
  return c;
}

std::unique_ptr<store::Store> open(const std::string& path) {
  store::SqliteStoreOptions o;
  o.path = path;
  o.host_id = "host-a";
  auto opened = store::open_sqlite_store(o);
  EXPECT_TRUE(opened) << opened.error().message();
  return std::move(opened->store);
}

// Steady web-like samples: the baseline learns them.
void feed(DecisionAnalyserStage& stage, FakeClock& clock, int ticks,
          const std::string& id = "vm-1") {
  Instance web;
  web.id = id;
  web.name = "web-" + id;
  web.app_type = "web";
  auto instances = std::make_shared<const std::vector<Instance>>(std::vector<Instance>{web});
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 0.02);
  for (int t = 0; t < ticks; ++t) {
    clock.advance(1s);
    SampleBatch b;
    b.at = clock.now();
    b.instances = instances;
    Sample s;
    s.instance_id = id;
    s.at = clock.now();
    s.elapsed = 1s;
    s.set(Metric::kCpuUsageCores, 1.0 + noise(rng));
    s.set(Metric::kMemoryBytes, 2e9 * (1 + noise(rng)));
    s.set(Metric::kContextSwitches, 500 * (1 + noise(rng)));
    b.samples.push_back(s);
    stage.analyse(b, Mode::kObserve);
  }
}

TEST(DecisionAnalyserStage, BaselinesSurviveARestartWithoutRelearning) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  FakeClock clock;
  std::uint64_t learned = 0;
  {
    DecisionAnalyserStage first(small_windows(), clock, open(path));
    feed(first, clock, 60);
    const drift::Baseline* web = first.analyzer().baselines().find_type("web");
    ASSERT_NE(web, nullptr);
    learned = web->fingerprints;
    ASSERT_GT(learned, 16u);
    EXPECT_TRUE(first.analyzer().baselines().trusted(*web));
  }  // destroyed: saves
  DecisionAnalyserStage second(small_windows(), clock, open(path));
  EXPECT_EQ(second.restored_baselines(), 2u);  // the type and the instance
  const drift::Baseline* web = second.analyzer().baselines().find_type("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->fingerprints, learned);
  EXPECT_TRUE(second.analyzer().baselines().trusted(*web));
  ASSERT_NE(second.analyzer().baselines().find_instance("vm-1"), nullptr);
}

TEST(DecisionAnalyserStage, SavesPeriodicallyNotOnlyAtStop) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, open(path), AnalyserStageOptions{30s});
  feed(stage, clock, 40);  // 40 s: one periodic save happened
  auto reader = open(path);
  auto records = reader->baselines(fingerprint::kFeatureTableVersion);
  ASSERT_TRUE(records);
  EXPECT_EQ(records->size(), 2u);
}

// Two hosts on one shared store (a SQLite file standing for the fleet database; tests/fleet
// does the same on PostgreSQL): host B, which has never seen a web instance, judges its
// first one by host A's web baseline, and never counts A's windows as its own.
TEST(DecisionAnalyserStage, AnotherHostJudgesByTheFleetTypeBaseline) {
  testing::TempDir dir;
  auto fleet_store = [&](const std::string& host) {
    store::FleetStoreOptions o;
    o.local.path = dir.file(host + ".db");
    o.local.host_id = host;
    o.connect = [shared = dir.file("shared.db")]() -> Result<std::unique_ptr<store::Store>> {
      store::SqliteStoreOptions so;
      so.path = shared;
      so.host_id = "shared";
      auto s = store::open_sqlite_store(so);
      if (!s) return s.error();
      return std::unique_ptr<store::Store>(std::move(s->store));
    };
    o.feature_table_version = fingerprint::kFeatureTableVersion;
    o.start_thread = false;
    auto s = store::FleetStore::open(std::move(o));
    EXPECT_TRUE(s) << s.error().message();
    return std::move(*s);
  };
  config::Config c = small_windows();
  c.store.backend = "postgresql";  // the fleet refresh runs (every 10 s here)
  AnalyserStageOptions options;
  options.fleet_refresh_interval = 10s;
  FakeClock clock;

  std::uint64_t learned = 0;
  {
    auto a_store = fleet_store("host-a");
    store::FleetStore* a_sync = a_store.get();
    DecisionAnalyserStage a(c, clock, std::move(a_store), options);
    feed(a, clock, 60, "vm-a");
    ASSERT_TRUE(a.save_baselines());
    ASSERT_TRUE(a_sync->sync_now());
    learned = a.analyzer().baselines().find_type("web")->fingerprints;
    ASSERT_TRUE(a.analyzer().baselines().trusted(*a.analyzer().baselines().find_type("web")));
  }
  auto b_store = fleet_store("host-b");
  ASSERT_TRUE(b_store->sync_now());  // B's cache now holds A's baselines
  DecisionAnalyserStage b(c, clock, std::move(b_store), options);
  const drift::BaselineSet& set = b.analyzer().baselines();
  ASSERT_NE(set.find_type("web"), nullptr);
  EXPECT_EQ(set.find_type("web")->fingerprints, learned) << "judged by A's web baseline";
  EXPECT_TRUE(set.types().empty()) << "A's windows are not B's own contribution";
  EXPECT_EQ(b.restored_baselines(), 0u);

  feed(b, clock, 12, "vm-b");  // past one refresh: B's own windows join the view
  const drift::Baseline* own = set.find_instance("vm-b");
  ASSERT_NE(own, nullptr);
  EXPECT_TRUE(set.trusted(*own)) << "seeded from the trusted fleet view at once";
  ASSERT_EQ(set.types().count("web"), 1u);
  const std::uint64_t own_type = set.types().find("web")->second.fingerprints;
  EXPECT_GT(own_type, 0u);
  // The view is rebuilt at each refresh: it holds A's windows and B's as of the last one.
  EXPECT_GT(set.find_type("web")->fingerprints, learned);
  EXPECT_LE(set.find_type("web")->fingerprints, learned + own_type);
}

// A real SQLite store whose reads of the fleet-wide tables are counted, and whose
// imported_generation the test sets (as a fleet layer's pulls would raise it).
class CountingStore : public store::Store {
 public:
  explicit CountingStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  int fleet_reads = 0;
  std::uint64_t generation = 0;

  const std::string& host_id() const override { return inner_->host_id(); }
  Status put_baseline(const store::BaselineRecord& b) override { return inner_->put_baseline(b); }
  Result<std::optional<store::BaselineRecord>> get_baseline(std::string_view key,
                                                            std::uint32_t version,
                                                            std::string_view host) override {
    return inner_->get_baseline(key, version, host);
  }
  Result<std::vector<store::BaselineRecord>> baselines(std::uint32_t version) override {
    ++fleet_reads;
    return inner_->baselines(version);
  }
  Result<std::size_t> prune_stale_baselines(std::uint32_t version, std::int64_t ms) override {
    return inner_->prune_stale_baselines(version, ms);
  }
  Result<std::string> append_episode(const store::EpisodeRecord& e) override {
    return inner_->append_episode(e);
  }
  Result<std::string> append_pattern(const store::PatternRecord& p) override {
    return inner_->append_pattern(p);
  }
  Status label_pattern(std::string_view id, const ResourceVector& outcome,
                       std::int64_t ms) override {
    return inner_->label_pattern(id, outcome, ms);
  }
  Result<std::vector<store::PatternRecord>> labelled_patterns(std::size_t max) override {
    ++fleet_reads;
    return inner_->labelled_patterns(max);
  }
  Result<std::vector<store::PatternRecord>> unlabelled_patterns(std::size_t max) override {
    return inner_->unlabelled_patterns(max);
  }
  Result<std::vector<store::EpisodeRecord>> episodes(std::string_view id) override {
    return inner_->episodes(id);
  }
  Result<std::string> append_change(const store::ChangeRecord& c) override {
    return inner_->append_change(c);
  }
  Result<std::vector<store::ChangeRecord>> changes(std::string_view id, std::size_t max) override {
    return inner_->changes(id, max);
  }
  Result<store::TableCounts> count_rows() override { return inner_->count_rows(); }
  std::uint64_t imported_generation() const override { return generation; }

 private:
  std::unique_ptr<store::Store> inner_;
};

// The fleet refresh re-reads the fleet-wide tables only after the fleet layer imported
// something: on a quiet fleet a refresh costs the tick thread no store read.
TEST(DecisionAnalyserStage, FleetRefreshReadsTheStoreOnlyAfterAnImport) {
  testing::TempDir dir;
  auto owned = std::make_shared<CountingStore>(open(dir.file("augur.db")));
  CountingStore& store = *owned;
  config::Config c = small_windows();
  c.store.backend = "postgresql";
  AnalyserStageOptions options;
  options.fleet_refresh_interval = 10s;
  FakeClock clock;
  DecisionAnalyserStage stage(c, clock, owned, options);
  const int at_start = store.fleet_reads;  // the restore at start
  feed(stage, clock, 35);                  // three refresh intervals, nothing imported
  EXPECT_EQ(store.fleet_reads, at_start);
  store.generation = 1;
  feed(stage, clock, 11);  // one refresh: both fleet-wide tables read once
  EXPECT_EQ(store.fleet_reads, at_start + 2);
  feed(stage, clock, 22);
  EXPECT_EQ(store.fleet_reads, at_start + 2);
}

TEST(DecisionAnalyserStage, RunsWithoutAStore) {
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, nullptr);
  feed(stage, clock, 20);
  EXPECT_TRUE(stage.save_baselines());
}

}  // namespace
}  // namespace augur::daemon
