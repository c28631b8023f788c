// The fleet layer's protocol (outbox, drain, pull, backoff) against a real shared store: a
// second SQLite file standing for the fleet database. Its full disk (SQLite's page cap) is
// the outage here; tests/fleet runs the same layer against a real PostgreSQL server.
#include "augur/store/fleet_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "augur/drift/baseline_codec.h"
#include "temp_store.h"

namespace augur::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

PatternRecord pattern(const std::string& instance, std::int64_t created_ms) {
  PatternRecord p;
  p.instance_id = instance;
  p.app_type = "db";
  p.created_unix_ms = created_ms;
  p.magnitude = 2.5;
  p.feature_table_version = 1;
  p.direction = {0.6, 0.8};
  p.usage[Resource::kCpu] = 1.5;
  p.allocation[Resource::kCpu] = 2;
  p.host_load[Resource::kCpu] = 0.4;
  return p;
}

ResourceVector increase(double cpu) {
  ResourceVector o;
  o[Resource::kCpu] = cpu;
  o[Resource::kMemory] = 0;
  o[Resource::kDisk] = 0;
  o[Resource::kNetwork] = 0;
  return o;
}

EpisodeRecord episode(const std::string& instance, std::int64_t start_ms) {
  EpisodeRecord e;
  e.instance_id = instance;
  e.app_type = "db";
  e.start_unix_ms = start_ms;
  e.end_unix_ms = start_ms + 60'000;
  e.peak_score = 4.0;
  e.feature_table_version = 1;
  e.direction = {1.0, 0.0};
  return e;
}

ChangeRecord change(const std::string& instance, std::int64_t ms) {
  ChangeRecord c;
  c.instance_id = instance;
  c.resource = Resource::kCpu;
  c.old_value = 1;
  c.new_value = 1.25;
  c.mode = Mode::kEnforce;
  c.reason = "predicted";
  c.unix_ms = ms;
  return c;
}

// A real (tiny) baseline, different for every `updated_ms`: the fleet refresh merges other
// hosts' type baselines, so their payloads must decode.
std::string payload_of(std::int64_t updated_ms) {
  drift::Baseline b = drift::make_baseline(/*track_covariance=*/false);
  b.features[0].add(static_cast<double>(updated_ms));
  b.features[0].add(1.0);
  b.fingerprints = 2;
  return drift::serialize(b);
}

BaselineRecord baseline(const std::string& key, std::int64_t updated_ms) {
  BaselineRecord b;
  b.key = key;
  b.feature_table_version = 1;
  b.payload = payload_of(updated_ms);
  b.updated_unix_ms = updated_ms;
  return b;
}

class FleetStoreTest : public test::TempStoreDir {
 protected:
  void SetUp() override {
    TempStoreDir::SetUp();
    shared_path_ = dir_ + "/shared.db";
  }

  // The shared store as the fleet layer connects to it; pages_ caps its size (0: none).
  Result<std::unique_ptr<Store>> connect_shared() {
    SqliteStoreOptions o;
    o.path = shared_path_;
    o.host_id = "shared";
    o.max_pages = shared_pages_.load();
    auto s = open_sqlite_store(o);
    if (!s) return s.error();
    return std::unique_ptr<Store>(std::move(s->store));
  }

  FleetStoreOptions options(const std::string& host, bool thread = false) {
    FleetStoreOptions o;
    o.local.path = dir_ + "/" + host + ".db";
    o.local.host_id = host;
    o.local.unix_seconds = [] { return std::int64_t{1764300000}; };
    o.connect = [this] { return connect_shared(); };
    o.feature_table_version = 1;
    o.start_thread = thread;
    o.drain_at_stop = false;  // the tests step the protocol themselves
    o.drain_interval = 20ms;
    o.retry_initial = 20ms;
    o.retry_max = 80ms;
    o.refresh_interval = 50ms;
    o.on_event = [this](const FleetEvent& e) {
      std::lock_guard lock(events_mu_);
      events_.push_back(e);
    };
    return o;
  }

  std::unique_ptr<FleetStore> open_fleet(const std::string& host, bool thread = false) {
    auto s = FleetStore::open(options(host, thread));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message());
    return s ? std::move(*s) : nullptr;
  }

  TableCounts shared_counts() {
    auto s = connect_shared();
    EXPECT_TRUE(s.has_value());
    auto c = (*s)->count_rows();
    EXPECT_TRUE(c.has_value());
    return c ? *c : TableCounts{};
  }

  std::size_t events_of(FleetEvent::Kind kind) {
    std::lock_guard lock(events_mu_);
    return static_cast<std::size_t>(std::count_if(
        events_.begin(), events_.end(), [&](const FleetEvent& e) { return e.kind == kind; }));
  }

  // Writes one of each record through `store`; returns the pattern's id.
  static std::string write_one_of_each(Store& store, std::int64_t t) {
    const std::string instance = "vm-" + std::to_string(t);
    EXPECT_TRUE(store.append_episode(episode(instance, t)).has_value());
    auto id = store.append_pattern(pattern(instance, t));
    EXPECT_TRUE(id.has_value());
    EXPECT_TRUE(store.label_pattern(*id, increase(0.5), t + 1).has_value());
    EXPECT_TRUE(store.append_change(change(instance, t)).has_value());
    EXPECT_TRUE(store.put_baseline(baseline("type:app-" + std::to_string(t), t)).has_value());
    // An instance's baseline stays on its host: it judges nothing elsewhere.
    EXPECT_TRUE(store.put_baseline(baseline("instance:" + instance, t)).has_value());
    return *id;
  }

  std::string shared_path_;
  std::atomic<std::int64_t> shared_pages_{0};
  std::mutex events_mu_;
  std::vector<FleetEvent> events_;
};

TEST_F(FleetStoreTest, WritesAreLocalUntilSyncedThenLandOnceInTheSharedStore) {
  auto a = open_fleet("host-a");
  ASSERT_TRUE(a);
  const std::string id = write_one_of_each(*a, 1000);
  // Served locally at once, queued, and not yet in the shared store.
  EXPECT_EQ(a->labelled_patterns(10)->size(), 1u);
  EXPECT_EQ(a->status().outbox, 0u);  // status is as of the last pass: none yet
  EXPECT_EQ(shared_counts().episodes, 0u);

  ASSERT_TRUE(a->sync_now().has_value());
  const TableCounts c = shared_counts();
  EXPECT_EQ(c.episodes, 1u);
  EXPECT_EQ(c.patterns, 1u);
  EXPECT_EQ(c.labelled_patterns, 1u);
  EXPECT_EQ(c.changes, 1u);
  EXPECT_EQ(c.baselines, 1u);
  EXPECT_EQ(a->status().outbox, 0u);
  EXPECT_EQ(a->status().sent, 5u);  // episode, pattern, label, change, baseline

  // The shared copy is the same record, id and host included.
  auto shared = connect_shared();
  auto labelled = (*shared)->labelled_patterns(10);
  ASSERT_EQ(labelled->size(), 1u);
  EXPECT_EQ((*labelled)[0], *a->labelled_patterns(10)->begin());
  EXPECT_EQ((*labelled)[0].record_id, id);
  EXPECT_EQ((*labelled)[0].host_id, "host-a");

  // A second pass sends nothing more.
  ASSERT_TRUE(a->sync_now().has_value());
  EXPECT_EQ(a->status().sent, 5u);
  EXPECT_EQ(shared_counts().episodes, 1u);
}

TEST_F(FleetStoreTest, AnotherHostSeesLabelledPatternsAndBaselinesAfterItsRefresh) {
  auto a = open_fleet("host-a");
  auto b = open_fleet("host-b");
  ASSERT_TRUE(a && b);
  const std::string id = write_one_of_each(*a, 1000);
  ASSERT_TRUE(b->put_baseline(baseline("type:db", 500)).has_value());
  ASSERT_TRUE(a->sync_now().has_value());
  ASSERT_TRUE(b->sync_now().has_value());

  auto seen = b->labelled_patterns(10);
  ASSERT_TRUE(seen.has_value());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].record_id, id);
  EXPECT_EQ((*seen)[0].host_id, "host-a");
  ASSERT_TRUE((*seen)[0].outcome.has_value());
  EXPECT_DOUBLE_EQ((*(*seen)[0].outcome)[Resource::kCpu], 0.5);
  // The fleet's type baselines are in B's cache as one row per type under the reserved
  // pseudo host (every other host's contribution merged: here A's alone, bit for bit), never
  // A's instances' (they judge nothing on B); B's own stays B's.
  EXPECT_FALSE(b->get_baseline("instance:vm-1000", 1, "host-a")->has_value());
  EXPECT_FALSE(b->get_baseline("type:app-1000", 1, "host-a")->has_value());
  ASSERT_TRUE(a->put_baseline(baseline("type:db", 900)).has_value());
  ASSERT_TRUE(a->sync_now().has_value());
  ASSERT_TRUE(b->sync_now().has_value());
  auto a_base = b->get_baseline("type:db", 1, kFleetOthersHostId);
  ASSERT_TRUE(a_base.has_value() && a_base->has_value());
  EXPECT_EQ((*a_base)->payload, payload_of(900));
  EXPECT_EQ(b->baselines(1)->size(), 3u);  // B's type:db; the fleet's type:db and type:app-1000
  // Imports are not B's writes: B's outbox sent only B's own baseline, once.
  EXPECT_EQ(b->status().sent, 1u);
  EXPECT_EQ(shared_counts().patterns, 1u);

  // A newer baseline from A replaces B's cached copy at the next refresh.
  ASSERT_TRUE(a->put_baseline(baseline("type:db", 2000)).has_value());
  ASSERT_TRUE(a->sync_now().has_value());
  ASSERT_TRUE(b->sync_now().has_value());
  EXPECT_EQ((*b->get_baseline("type:db", 1, kFleetOthersHostId))->payload, payload_of(2000));
}

// The switch to the fleet aggregate: per-host rows an older build cached are dropped at the
// first refresh (they are in the merged row), so nothing counts twice; a third host's
// contribution merges with A's into the one row; B's own never enters what B reads.
TEST_F(FleetStoreTest, TheCacheHoldsOneMergedRowPerTypeAndDropsPerHostRows) {
  {
    SqliteStoreOptions o = options("host-b").local;
    auto old = open_sqlite_store(o);
    ASSERT_TRUE(old.has_value());
    BaselineRecord legacy = baseline("type:db", 700);
    legacy.host_id = "host-a";  // cached by an older build's refresh
    ASSERT_TRUE(old->store->put_baseline(legacy).has_value());
  }
  auto a = open_fleet("host-a");
  auto b = open_fleet("host-b");
  auto c = open_fleet("host-c");
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(a->put_baseline(baseline("type:db", 900)).has_value());
  ASSERT_TRUE(b->put_baseline(baseline("type:db", 950)).has_value());
  ASSERT_TRUE(c->put_baseline(baseline("type:db", 1000)).has_value());
  ASSERT_TRUE(a->sync_now().has_value());
  ASSERT_TRUE(c->sync_now().has_value());
  ASSERT_TRUE(b->sync_now().has_value());
  auto rows = b->baselines(1);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);  // B's own and the fleet's; host-a's legacy row is gone
  EXPECT_EQ((*rows)[0].host_id, kFleetOthersHostId);
  EXPECT_EQ((*rows)[1].host_id, "host-b");
  auto others = drift::deserialize((*rows)[0].payload);
  ASSERT_TRUE(others.has_value());
  EXPECT_EQ(others->fingerprints, 4u);  // A's 2 and C's 2, not B's
  EXPECT_EQ(others->features[0].count, 4u);
  EXPECT_DOUBLE_EQ(others->features[0].mean, (900.0 + 1.0 + 1000.0 + 1.0) / 4);
  // The reserved pseudo host is no host's id.
  FleetStoreOptions reserved = options(std::string(kFleetOthersHostId));
  reserved.local.path = dir_ + "/reserved.db";
  EXPECT_FALSE(FleetStore::open(reserved).has_value());
}

// Instance baselines never leave the host, so retention prunes the local file: this host's
// old instance rows go; its type rows, its queue and other hosts' cached rows stay, and the
// shared store is not touched.
TEST_F(FleetStoreTest, InstanceBaselinesArePrunedFromTheLocalFileOnly) {
  auto a = open_fleet("host-a");
  auto b = open_fleet("host-b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->put_baseline(baseline("instance:vm-gone", 1'000)).has_value());
  ASSERT_TRUE(a->put_baseline(baseline("instance:vm-live", 9'000)).has_value());
  ASSERT_TRUE(a->put_baseline(baseline("type:db", 1'000)).has_value());
  ASSERT_TRUE(b->put_baseline(baseline("instance:vm-gone", 1'000)).has_value());
  ASSERT_TRUE(b->put_baseline(baseline("type:db", 1'000)).has_value());
  ASSERT_TRUE(b->sync_now().has_value());
  ASSERT_TRUE(a->sync_now().has_value());  // A's cache now holds the fleet's (B's) type:db
  ASSERT_TRUE(a->get_baseline("type:db", 1, kFleetOthersHostId)->has_value());
  // A row under A's id in the shared store (not one the fleet layer sent): left alone.
  {
    auto shared = connect_shared();
    ASSERT_TRUE(shared.has_value());
    BaselineRecord r = baseline("instance:vm-elsewhere", 1'000);
    r.host_id = "host-a";
    ASSERT_TRUE((*shared)->put_baseline(r).has_value());
  }
  EXPECT_EQ(shared_counts().baselines, 3u);  // two type rows, one written directly
  ASSERT_TRUE(a->put_baseline(baseline("type:web", 1'000)).has_value());  // queued, unsent

  auto pruned = a->prune_instance_baselines(5'000);
  ASSERT_TRUE(pruned.has_value()) << pruned.error().message();
  EXPECT_EQ(*pruned, 1u);
  EXPECT_FALSE(a->get_baseline("instance:vm-gone", 1, {})->has_value());
  EXPECT_TRUE(a->get_baseline("instance:vm-live", 1, {})->has_value());
  EXPECT_TRUE(a->get_baseline("type:db", 1, {})->has_value());
  EXPECT_TRUE(a->get_baseline("type:db", 1, kFleetOthersHostId)->has_value());
  EXPECT_TRUE(b->get_baseline("instance:vm-gone", 1, {})->has_value());  // B's own file
  EXPECT_EQ(shared_counts().baselines, 3u);
  ASSERT_TRUE(a->sync_now().has_value());
  EXPECT_EQ(shared_counts().baselines, 4u);  // the queued type:web went out as usual
  EXPECT_EQ(events_of(FleetEvent::Kind::kSkipped), 0u);
}

TEST_F(FleetStoreTest, AFullSharedStoreQueuesWritesReportsOnceAndDrainsWithoutLossOrDuplicates) {
  // SQLite clamps the cap to the file's current size: every write that needs a new page
  // fails with SQLITE_FULL, as on a full disk. Each round's first write is a baseline of
  // 16 KiB, which needs new pages, so the queue is stuck from its head.
  ASSERT_TRUE(connect_shared().has_value());
  shared_pages_ = 1;
  auto a = open_fleet("host-a");
  ASSERT_TRUE(a);
  for (int i = 0; i < 5; ++i) {
    BaselineRecord big = baseline("type:big-" + std::to_string(i), 1000 + i);
    big.payload.assign(16 * 1024, 'x');
    ASSERT_TRUE(a->put_baseline(big).has_value());
    write_one_of_each(*a, 1000 + i);
    EXPECT_FALSE(a->sync_now().has_value());  // the local writes succeeded regardless
  }
  const FleetStatus down = a->status();
  EXPECT_FALSE(down.connected);
  EXPECT_GE(down.failures, 5u);
  EXPECT_EQ(down.outbox, 30u);
  EXPECT_NE(down.last_error.find("full"), std::string::npos) << down.last_error;
  EXPECT_EQ(events_of(FleetEvent::Kind::kDisconnected), 1u) << "reported once, not per retry";

  shared_pages_ = 0;  // space again
  ASSERT_TRUE(a->sync_now().has_value());
  const TableCounts c = shared_counts();
  EXPECT_EQ(c.episodes, 5u);
  EXPECT_EQ(c.patterns, 5u);
  EXPECT_EQ(c.labelled_patterns, 5u);
  EXPECT_EQ(c.changes, 5u);
  EXPECT_EQ(c.baselines, 10u);
  EXPECT_EQ(a->status().outbox, 0u);
  EXPECT_TRUE(a->status().connected);
  EXPECT_EQ(events_of(FleetEvent::Kind::kDrained), 1u);
  std::lock_guard lock(events_mu_);
  EXPECT_EQ(events_.back().kind, FleetEvent::Kind::kDrained);
  EXPECT_EQ(events_.back().count, 30u);
}

TEST_F(FleetStoreTest, TheQueueSurvivesARestartAndASecondSendLandsOnce) {
  {
    auto a = open_fleet("host-a");
    ASSERT_TRUE(a);
    write_one_of_each(*a, 1000);
  }
  // A copy of the file as it was before the send: the process that dies between sending and
  // removing the entries restarts with this queue.
  fs::copy_file(dir_ + "/host-a.db", dir_ + "/copy.db");
  {
    auto a = open_fleet("host-a");  // restarted: the queue is still there
    ASSERT_TRUE(a->sync_now().has_value());
    EXPECT_EQ(a->status().sent, 5u);
  }
  fs::rename(dir_ + "/copy.db", dir_ + "/host-a.db");
  auto again = open_fleet("host-a");
  ASSERT_TRUE(again->sync_now().has_value());
  EXPECT_EQ(again->status().sent, 5u) << "sent again";
  const TableCounts c = shared_counts();
  EXPECT_EQ(c.episodes, 1u) << "and landed once";
  EXPECT_EQ(c.patterns, 1u);
  EXPECT_EQ(c.changes, 1u);
  EXPECT_EQ(c.baselines, 1u);
}

TEST_F(FleetStoreTest, AStopSendsWhatIsQueued) {
  {
    FleetStoreOptions o = options("host-a");
    o.drain_at_stop = true;
    auto a = FleetStore::open(o);
    ASSERT_TRUE(a.has_value());
    write_one_of_each(**a, 1000);
  }
  EXPECT_EQ(shared_counts().episodes, 1u);
  EXPECT_EQ(shared_counts().baselines, 1u);
}

TEST_F(FleetStoreTest, ABaselineSavedManyTimesIsQueuedOnce) {
  auto a = open_fleet("host-a");
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(a->put_baseline(baseline("type:db", 1000 + i)).has_value());
  ASSERT_TRUE(a->sync_now().has_value());
  EXPECT_EQ(a->status().sent, 1u);
  auto shared = connect_shared();
  auto got = (*shared)->get_baseline("type:db", 1, "host-a");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->payload, payload_of(1049));
}

TEST_F(FleetStoreTest, TheSyncThreadDrainsAndRefreshesOnItsOwn) {
  auto a = open_fleet("host-a", /*thread=*/true);
  auto b = open_fleet("host-b", /*thread=*/true);
  ASSERT_TRUE(a && b);
  write_one_of_each(*a, 1000);
  // A's thread counts what it sent after its commit, which B can see first (TSan's slower
  // threads once caught A's count at 4 of 5 just after B saw the pattern): wait for both.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         (b->labelled_patterns(10)->empty() || a->status().sent < 5)) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(b->labelled_patterns(10)->size(), 1u) << "host B never saw host A's pattern";
  EXPECT_TRUE(a->status().connected);
  EXPECT_EQ(a->status().sent, 5u);
}

TEST_F(FleetStoreTest, NoSharedStoreAtStartStillServesEveryCallLocally) {
  FleetStoreOptions o = options("host-a", /*thread=*/true);
  o.connect = []() -> Result<std::unique_ptr<Store>> {
    return Error{"could not connect to server", "host=db.invalid"};
  };
  auto opened = FleetStore::open(o);
  ASSERT_TRUE(opened.has_value());
  auto& a = *opened;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) write_one_of_each(*a, 1000 + i);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(a->count_rows()->episodes, 20u);
  std::this_thread::sleep_for(200ms);  // several retries
  EXPECT_EQ(events_of(FleetEvent::Kind::kDisconnected), 1u);
  EXPECT_FALSE(a->status().connected);
  EXPECT_GE(a->status().outbox, 100u);
}

}  // namespace
}  // namespace augur::store
