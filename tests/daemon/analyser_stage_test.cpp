#include "augur/daemon/analyser_stage.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <utility>

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
  int prunes = 0;
  bool refuse_prunes = false;  // as a store whose file went bad would

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
    ++prunes;
    if (refuse_prunes) return Error{"prune_stale_baselines: disk I/O error", "augur.db"};
    return inner_->prune_stale_baselines(version, ms);
  }
  Result<std::size_t> prune_instance_baselines(std::int64_t ms) override {
    ++prunes;
    if (refuse_prunes) return Error{"prune_instance_baselines: disk I/O error", "augur.db"};
    return inner_->prune_instance_baselines(ms);
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

// Retention. The stage's wall clock moves with the test's clock, from this unix ms.
constexpr std::int64_t kWallStart = 1'764'300'000'000;
constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

// Options whose wall clock reads kWallStart now and moves with `clock` (one for every stage
// of a test, so the wall time goes on across restarts).
AnalyserStageOptions wall_options(const FakeClock& clock) {
  AnalyserStageOptions o;
  o.unix_ms = [&clock, t0 = clock.now()] {
    return kWallStart +
           std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - t0).count();
  };
  return o;
}

// One tick after `advance` with `ids` as the whole instance list, each sending a steady
// web-like sample (or none: `samples` false, as between the hourly steps below).
void tick(DecisionAnalyserStage& stage, FakeClock& clock, const std::vector<std::string>& ids,
          Nanos advance = 1s, bool samples = true) {
  clock.advance(advance);
  std::mt19937_64 rng(static_cast<std::uint64_t>(clock.now().time_since_epoch().count()));
  std::normal_distribution<double> noise(0, 0.02);
  std::vector<Instance> list;
  SampleBatch b;
  b.at = clock.now();
  for (const std::string& id : ids) {
    Instance i;
    i.id = id;
    i.name = "web-" + id;
    i.app_type = "web";
    list.push_back(i);
    if (!samples) continue;
    Sample s;
    s.instance_id = id;
    s.at = clock.now();
    s.elapsed = 1s;
    s.set(Metric::kCpuUsageCores, 1.0 + noise(rng));
    s.set(Metric::kMemoryBytes, 2e9 * (1 + noise(rng)));
    s.set(Metric::kContextSwitches, 500 * (1 + noise(rng)));
    b.samples.push_back(s);
  }
  b.instances = std::make_shared<const std::vector<Instance>>(std::move(list));
  stage.analyse(b, Mode::kObserve);
}

std::optional<store::BaselineRecord> stored(
    store::Store& s, const std::string& key,
    std::uint32_t version = fingerprint::kFeatureTableVersion) {
  auto r = s.get_baseline(key, version);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : std::nullopt;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A vanished instance's row is kept for store.retention.instance_baselines (14 days), checked
// hourly, and deleted at the first pass after; the live instance's row and the type's stay.
TEST(DecisionAnalyserStage, RetentionDeletesAVanishedInstancesBaselineAfterFourteenDays) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, open(path), wall_options(clock));
  auto reader = open(path);
  for (int t = 0; t < 40; ++t) tick(stage, clock, {"vm-live", "vm-gone"});
  tick(stage, clock, {"vm-live"});  // vm-gone vanishes: its baseline goes to the store
  const std::int64_t gone_ms = kWallStart + 41'000;
  auto row = stored(*reader, "instance:vm-gone");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->updated_unix_ms, gone_ms);
  EXPECT_EQ(stage.analyzer().baselines().find_instance("vm-gone"), nullptr);

  // Hourly passes for 14 days less an hour: kept.
  for (int h = 0; h < 14 * 24 - 1; ++h)
    tick(stage, clock, {"vm-live"}, std::chrono::hours(1), false);
  ASSERT_TRUE(stored(*reader, "instance:vm-gone")) << "deleted before its 14 days";
  // The pass after 14 days deletes it, and says so once.
  ::testing::internal::CaptureStderr();
  tick(stage, clock, {"vm-live"}, std::chrono::hours(1), false);
  tick(stage, clock, {"vm-live"}, std::chrono::hours(1), false);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(stored(*reader, "instance:vm-gone"));
  EXPECT_EQ(occurrences(log,
                        "store retention: deleted 1 baselines of instances gone for 14d "
                        "and 0 baselines of other feature-table versions not updated for "
                        "30d"),
            1u)
      << log;
  EXPECT_EQ(occurrences(log, "INSTANCE_BASELINES_DELETED=1"), 1u) << log;

  // The live instance's row was saved by the pass (stamped then), the type's is there.
  const std::int64_t now_ms = kWallStart + 41'000 + (14 * 24 + 1) * 3'600'000LL;
  auto live = stored(*reader, "instance:vm-live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->updated_unix_ms, now_ms);
  EXPECT_TRUE(stored(*reader, "type:web"));
  EXPECT_NE(stage.analyzer().baselines().find_instance("vm-live"), nullptr);
}

// The daemon was stopped for longer than the retention while its instances ran on: at the
// next start every stored row is older than the cutoff. The instance that is still live
// keeps its baseline (re-saved before the prune, so a crash right after loses nothing); the
// one that is gone loses its own; and the restart itself re-stamps neither row.
TEST(DecisionAnalyserStage, ALiveInstancesOldRowIsSavedAgainNotPrunedAfterALongStop) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  FakeClock clock;
  AnalyserStageOptions options = wall_options(clock);
  options.save_interval = std::chrono::hours(24);  // no periodic save: the pass must save
  std::uint64_t learned = 0;
  {
    DecisionAnalyserStage first(small_windows(), clock, open(path), options);
    for (int t = 0; t < 40; ++t) tick(first, clock, {"vm-live", "vm-gone"});
    learned = first.analyzer().baselines().find_instance("vm-live")->fingerprints;
  }  // saved at stop
  auto reader = open(path);
  const std::int64_t saved_ms = stored(*reader, "instance:vm-live")->updated_unix_ms;
  EXPECT_EQ(stored(*reader, "instance:vm-gone")->updated_unix_ms, saved_ms);

  clock.advance(std::chrono::hours(24 * 20));  // stopped for 20 days
  const std::int64_t start_ms = saved_ms + 20 * kDayMs;
  DecisionAnalyserStage second(small_windows(), clock, open(path), options);
  EXPECT_EQ(second.restored_baselines(), 3u);
  // Discovery's first answer is not in yet: an empty list. Both leave memory unsaved.
  tick(second, clock, {});
  EXPECT_EQ(second.analyzer().baselines().find_instance("vm-live"), nullptr);
  EXPECT_EQ(stored(*reader, "instance:vm-live")->updated_unix_ms, saved_ms);
  EXPECT_EQ(stored(*reader, "instance:vm-gone")->updated_unix_ms, saved_ms);
  // Then vm-live is found: it takes its stored baseline back.
  for (int t = 0; t < 5; ++t) tick(second, clock, {"vm-live"});
  ASSERT_NE(second.analyzer().baselines().find_instance("vm-live"), nullptr);
  EXPECT_GE(second.analyzer().baselines().find_instance("vm-live")->fingerprints, learned);
  EXPECT_TRUE(stored(*reader, "instance:vm-gone")) << "no pass before retention_first";

  tick(second, clock, {"vm-live"}, std::chrono::minutes(10));  // the first pass
  EXPECT_FALSE(stored(*reader, "instance:vm-gone"));
  auto live = stored(*reader, "instance:vm-live");
  ASSERT_TRUE(live) << "a live instance's baseline was pruned";
  EXPECT_EQ(live->updated_unix_ms, start_ms + 6'000 + 600'000);
  auto kept = drift::deserialize(live->payload);
  ASSERT_TRUE(kept);
  EXPECT_GE(kept->fingerprints, learned);
}

// A restart alone must not make a vanished instance's row look fresh: the stage restores it,
// never sees the instance, and stops; the row keeps its time and ages out.
TEST(DecisionAnalyserStage, ARestartDoesNotReStampAVanishedInstancesRow) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  FakeClock clock;
  const AnalyserStageOptions options = wall_options(clock);
  {
    DecisionAnalyserStage first(small_windows(), clock, open(path), options);
    for (int t = 0; t < 40; ++t) tick(first, clock, {"vm-gone"});
  }
  auto reader = open(path);
  const std::int64_t saved_ms = stored(*reader, "instance:vm-gone")->updated_unix_ms;
  for (int restart = 0; restart < 3; ++restart) {
    clock.advance(std::chrono::hours(24 * 5));
    DecisionAnalyserStage again(small_windows(), clock, open(path), options);
    EXPECT_TRUE(again.save_baselines());
    tick(again, clock, {"vm-other"});
  }  // 15 days on: past the retention, though restarted every 5 days
  EXPECT_EQ(stored(*reader, "instance:vm-gone")->updated_unix_ms, saved_ms);
  DecisionAnalyserStage last(small_windows(), clock, open(path), options);
  tick(last, clock, {}, std::chrono::minutes(10));
  EXPECT_FALSE(stored(*reader, "instance:vm-gone"));
}

// Until discovery has answered the sampler sends no instance list at all (host_sampling.h),
// and every instance would look gone: instance rows wait for the first pass after an answer.
TEST(DecisionAnalyserStage, RetentionWaitsForDiscoverysFirstAnswer) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  FakeClock clock;
  const AnalyserStageOptions options = wall_options(clock);
  {
    DecisionAnalyserStage first(small_windows(), clock, open(path), options);
    for (int t = 0; t < 40; ++t) tick(first, clock, {"vm-a"});
  }
  auto reader = open(path);
  clock.advance(std::chrono::hours(24 * 20));  // stopped for 20 days
  DecisionAnalyserStage second(small_windows(), clock, open(path), options);
  for (int t = 0; t < 3; ++t) {
    clock.advance(std::chrono::minutes(10));
    SampleBatch silent;  // no instance list: discovery hung since the start
    silent.at = clock.now();
    second.analyse(silent, Mode::kObserve);
  }
  EXPECT_TRUE(stored(*reader, "instance:vm-a")) << "pruned before discovery answered";
  tick(second, clock, {}, std::chrono::hours(1));  // discovery answers: vm-a is gone
  EXPECT_FALSE(stored(*reader, "instance:vm-a"));
}

// Baselines of another feature-table version go after store.retention.stale_versions; the
// first pass runs retention_first (10 minutes) after start.
TEST(DecisionAnalyserStage, RetentionPrunesOtherFeatureTableVersionsFromTheFirstPass) {
  testing::TempDir dir;
  const std::string path = dir.file("augur.db");
  const std::uint32_t other = fingerprint::kFeatureTableVersion + 1;
  auto writer = open(path);
  for (const auto& [key, age_days] : {std::pair{"type:old", 31}, std::pair{"type:recent", 29}}) {
    store::BaselineRecord r;
    r.key = key;
    r.feature_table_version = other;
    r.payload = "features of another table";
    r.updated_unix_ms = kWallStart - age_days * kDayMs;
    ASSERT_TRUE(writer->put_baseline(r));
  }
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, open(path), wall_options(clock));
  tick(stage, clock, {"vm-1"}, std::chrono::minutes(9));
  EXPECT_TRUE(stored(*writer, "type:old", other)) << "pruned before the first pass";
  tick(stage, clock, {"vm-1"}, std::chrono::minutes(1));
  EXPECT_FALSE(stored(*writer, "type:old", other));
  EXPECT_TRUE(stored(*writer, "type:recent", other));
}

TEST(DecisionAnalyserStage, RetentionZeroKeepsEverything) {
  testing::TempDir dir;
  auto owned = std::make_shared<CountingStore>(open(dir.file("augur.db")));
  config::Config c = small_windows();
  c.store.retention.instance_baselines = std::chrono::hours(0);
  c.store.retention.stale_versions = std::chrono::hours(0);
  FakeClock clock;
  DecisionAnalyserStage stage(c, clock, owned, wall_options(clock));
  for (int t = 0; t < 20; ++t) tick(stage, clock, {"vm-1"});
  tick(stage, clock, {}, std::chrono::hours(24 * 60));
  tick(stage, clock, {}, std::chrono::hours(2));
  EXPECT_EQ(owned->prunes, 0);
  EXPECT_TRUE(stored(*owned, "instance:vm-1"));
}

// A store that refuses the prunes: one error, not one per pass; a line when it works again.
TEST(DecisionAnalyserStage, AStoreRefusingRetentionIsReportedOnceUntilItWorks) {
  testing::TempDir dir;
  auto owned = std::make_shared<CountingStore>(open(dir.file("augur.db")));
  owned->refuse_prunes = true;
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, owned, wall_options(clock));
  ::testing::internal::CaptureStderr();
  tick(stage, clock, {"vm-1"}, std::chrono::minutes(10));
  for (int h = 0; h < 3; ++h) tick(stage, clock, {"vm-1"}, std::chrono::hours(1));
  owned->refuse_prunes = false;
  tick(stage, clock, {"vm-1"}, std::chrono::hours(1));
  tick(stage, clock, {"vm-1"}, std::chrono::hours(1));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(owned->prunes, 6 * 2) << "both prunes tried at every pass";
  EXPECT_EQ(occurrences(log, "store retention failed"), 1u) << log;
  EXPECT_EQ(occurrences(log, "prune_instance_baselines: disk I/O error"), 1u) << log;
  EXPECT_EQ(occurrences(log, "store retention works again"), 1u) << log;
}

// A reload hands the plan section over from the main thread; the analyser thread takes it
// at its next batch: an allocation above the new cpu.max is then brought down to it.
TEST(DecisionAnalyserStage, AReloadedPlanBoundsTheNextBatchsDecisions) {
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, nullptr);
  Instance vm;
  vm.id = "vm-1";
  vm.name = "vm-1";
  vm.app_type = "web";
  auto instances = std::make_shared<const std::vector<Instance>>(std::vector<Instance>{vm});
  auto tick = [&] {
    clock.advance(1s);
    SampleBatch b;
    b.at = clock.now();
    b.instances = instances;
    Sample s;
    s.instance_id = vm.id;
    s.at = clock.now();
    s.elapsed = 1s;
    s.set(Metric::kCpuUsageCores, 1.0);
    s.allocation[Resource::kCpu] = 4.0;
    b.samples.push_back(s);
    return stage.analyse(b, Mode::kEnforce);
  };
  auto cpu_change = [](const std::vector<Plan>& plans) -> std::optional<Change> {
    for (const Plan& p : plans) {
      for (const Change& c : p.changes) {
        if (c.resource == Resource::kCpu) return c;
      }
    }
    return std::nullopt;
  };
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(cpu_change(tick())) << "no cpu.max yet";

  config::PlanSection plan = stage.engine().plan();
  plan.cpu.max = 2;
  stage.set_plan(plan);
  EXPECT_EQ(stage.engine().plan().cpu.max, 0) << "taken by the analyser thread, not the caller";
  const std::optional<Change> c = cpu_change(tick());
  ASSERT_TRUE(c);
  EXPECT_EQ(stage.engine().plan(), plan);
  EXPECT_EQ(c->old_value, 4.0);
  EXPECT_EQ(c->new_value, 2.0);
  EXPECT_EQ(c->reason, "bounds");
}

TEST(DecisionAnalyserStage, RunsWithoutAStore) {
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, nullptr);
  feed(stage, clock, 20);
  EXPECT_TRUE(stage.save_baselines());
}

}  // namespace
}  // namespace augur::daemon
