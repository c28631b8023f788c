#include <set>

#include "temp_store.h"

namespace augur::store {
namespace {

using SqliteBaselines = test::TempStoreDir;

BaselineRecord baseline(const std::string& key, std::uint32_t version, std::string payload,
                        std::int64_t at_ms) {
  BaselineRecord b;
  b.key = key;
  b.feature_table_version = version;
  b.payload = std::move(payload);
  b.updated_unix_ms = at_ms;
  return b;
}

TEST_F(SqliteBaselines, RoundTripThroughARealFileAcrossReopen) {
  std::string payload("binary\0payload\xff", 15);
  {
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put_baseline(baseline("type:db", 4, payload, 1000)).has_value());
    ASSERT_TRUE(store->put_baseline(baseline("instance:vm-1", 4, "p2", 1001)).has_value());
  }
  auto store = open();
  ASSERT_TRUE(store);
  auto got = store->get_baseline("type:db", 4);
  ASSERT_TRUE(got.has_value()) << got.error().message();
  ASSERT_TRUE(got->has_value());
  const auto& b = **got;
  EXPECT_EQ(b.payload, payload);
  EXPECT_EQ(b.host_id, "host-a");
  EXPECT_EQ(b.record_id, "host-a:baseline:type:db");
  EXPECT_EQ(b.feature_table_version, 4u);
  EXPECT_EQ(b.updated_unix_ms, 1000);
  auto all = store->baselines(4);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].key, "instance:vm-1");  // ordered by key
}

TEST_F(SqliteBaselines, UpsertByKeyAndHostReplacesWithoutDuplicating) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "old", 1)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "new", 2)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "new", 2)).has_value());  // again
  auto other = baseline("type:web", 4, "host-b's", 3);
  other.host_id = "host-b";
  ASSERT_TRUE(store->put_baseline(other).has_value());
  auto counts = store->count_rows();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->baselines, 2u);
  EXPECT_EQ((*store->get_baseline("type:web", 4))->payload, "new");
  EXPECT_EQ((*store->get_baseline("type:web", 4, "host-b"))->payload, "host-b's");
}

TEST_F(SqliteBaselines, OtherFeatureTableVersionIsIgnoredThenPrunedWhenOld) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("type:old", 3, "v3", 1'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:recent", 3, "v3", 9'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:cur", 4, "v4", 1'000)).has_value());
  auto got = store->get_baseline("type:old", 4);
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());  // kept, but not used by version 4
  EXPECT_TRUE(store->get_baseline("type:old", 3)->has_value());
  auto pruned = store->prune_stale_baselines(4, 5'000);
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(*pruned, 1u);  // only the old other-version one; current ones are never pruned
  EXPECT_FALSE(store->get_baseline("type:old", 3)->has_value());
  EXPECT_TRUE(store->get_baseline("type:recent", 3)->has_value());
  EXPECT_TRUE(store->get_baseline("type:cur", 4)->has_value());
}

// Retention: this host's instance baselines (any version) last updated before the cutoff.
TEST_F(SqliteBaselines, OldInstanceBaselinesOfThisHostArePrunedAndNothingElse) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("instance:gone", 4, "a", 1'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:gone-v3", 3, "b", 1'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:at-cutoff", 4, "c", 5'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:recent", 4, "d", 9'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "e", 1'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:old", 3, "f", 1'000)).has_value());
  auto other = baseline("instance:gone", 4, "host-b's", 1'000);
  other.host_id = "host-b";  // another host's row in this file (a fleet cache holds such)
  ASSERT_TRUE(store->put_baseline(other).has_value());

  auto pruned = store->prune_instance_baselines(5'000);
  ASSERT_TRUE(pruned.has_value()) << pruned.error().message();
  EXPECT_EQ(*pruned, 2u);  // gone, gone-v3: strictly before the cutoff
  EXPECT_FALSE(store->get_baseline("instance:gone", 4)->has_value());
  EXPECT_FALSE(store->get_baseline("instance:gone-v3", 3)->has_value());
  EXPECT_TRUE(store->get_baseline("instance:at-cutoff", 4)->has_value());
  EXPECT_TRUE(store->get_baseline("instance:recent", 4)->has_value());
  EXPECT_TRUE(store->get_baseline("type:web", 4)->has_value());  // type baselines: never
  EXPECT_TRUE(store->get_baseline("type:old", 3)->has_value());  // (prune_stale_baselines)
  EXPECT_EQ((*store->get_baseline("instance:gone", 4, "host-b"))->payload, "host-b's");
  EXPECT_EQ(store->count_rows()->baselines, 5u);
  EXPECT_EQ(*store->prune_instance_baselines(5'000), 0u);

  // Host B's store prunes B's rows only.
  auto b = open("host-b");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b->prune_instance_baselines(5'000), 1u);
  EXPECT_EQ(store->count_rows()->baselines, 4u);
  EXPECT_TRUE(store->get_baseline("instance:recent", 4)->has_value());
}

TEST_F(SqliteBaselines, PruningManyInstanceBaselinesGoesInBatchesAndCountsThemAll) {
  auto store = open();
  ASSERT_TRUE(store);
  // A long-churning host: more old rows than one batch holds, twice over (one transaction).
  const std::size_t old_rows = 2 * kSqlitePruneBatch + 7;
  raw_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
          std::to_string(old_rows) +
          ") INSERT INTO baselines(record_id, host_id, key, feature_table_version, payload, "
          "updated_unix_ms) SELECT 'host-a:baseline:instance:c-' || i, 'host-a', "
          "'instance:c-' || i, 4, x'00', 1000 + i FROM n");
  ASSERT_TRUE(store->put_baseline(baseline("instance:live", 4, "p", 1'000'000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "p", 1'000)).has_value());
  auto pruned = store->prune_instance_baselines(500'000);
  ASSERT_TRUE(pruned.has_value()) << pruned.error().message();
  EXPECT_EQ(*pruned, old_rows);
  EXPECT_EQ(store->count_rows()->baselines, 2u);
  EXPECT_TRUE(store->get_baseline("instance:live", 4)->has_value());
}

TEST_F(SqliteBaselines, APruneTheFileRefusesIsAnErrorValue) {
  auto store = open();
  ASSERT_TRUE(store);
  raw_sql("DROP TABLE baselines");  // as a damaged file would answer
  auto pruned = store->prune_instance_baselines(5'000);
  ASSERT_FALSE(pruned.has_value());
  EXPECT_NE(pruned.error().message().find("prune_instance_baselines"), std::string::npos)
      << pruned.error().message();
  EXPECT_EQ(pruned.error().where, path_);
}

TEST_F(SqliteBaselines, EpisodesRoundTripAndReputIsIdempotent) {
  auto store = open();
  ASSERT_TRUE(store);
  EpisodeRecord e;
  e.instance_id = "vm-1";
  e.app_type = "db";
  e.start_unix_ms = 5000;
  e.end_unix_ms = 9000;
  e.peak_score = 7.25;
  e.feature_table_version = 4;
  e.direction = {0.5, -1.0, 0.0};
  e.top_features = {{1, -1.0}, {0, 0.5}};
  auto id = store->append_episode(e);
  ASSERT_TRUE(id.has_value()) << id.error().message();
  EXPECT_EQ(id->rfind("host-a:episode:", 0), 0u);
  EpisodeRecord open_ep = e;
  open_ep.end_unix_ms.reset();
  open_ep.start_unix_ms = 10000;
  auto id2 = store->append_episode(open_ep);
  ASSERT_TRUE(id2.has_value());
  EXPECT_NE(*id, *id2);
  // The same record id again (a retried write, or a fleet merge) adds nothing.
  EpisodeRecord again = e;
  again.record_id = *id;
  again.peak_score = 99;
  auto id3 = store->append_episode(again);
  ASSERT_TRUE(id3.has_value());
  EXPECT_EQ(*id3, *id);
  EXPECT_EQ(store->count_rows()->episodes, 2u);
  auto eps = store->episodes("vm-1");
  ASSERT_TRUE(eps.has_value());
  ASSERT_EQ(eps->size(), 2u);
  e.record_id = *id;
  e.host_id = "host-a";
  EXPECT_EQ((*eps)[0], e);  // first write won
  EXPECT_FALSE((*eps)[1].end_unix_ms.has_value());
}

TEST_F(SqliteBaselines, RecordIdsStayUniqueAcrossReopenAndFreshFiles) {
  std::string first;
  {
    auto store = open();
    first = *store->append_episode(EpisodeRecord{});
  }
  std::string second;
  {
    auto store = open();
    second = *store->append_episode(EpisodeRecord{});
  }
  EXPECT_NE(first, second);
  EXPECT_EQ(first.substr(0, first.rfind(':')), second.substr(0, second.rfind(':')));
  EXPECT_EQ(second.substr(second.rfind(':') + 1), "2");  // the sequence went on
  // A fresh file (say after the old one was moved aside) has a new epoch.
  std::filesystem::rename(path_, path_ + ".old");
  std::filesystem::remove(path_ + "-wal");
  std::filesystem::remove(path_ + "-shm");
  auto store = open();
  auto third = *store->append_episode(EpisodeRecord{});
  EXPECT_NE(third.substr(0, third.rfind(':')), first.substr(0, first.rfind(':')));
}

TEST_F(SqliteBaselines, AuditTrailOfChangesNewestFirst) {
  auto store = open();
  ASSERT_TRUE(store);
  for (int i = 0; i < 3; ++i) {
    ChangeRecord c;
    c.instance_id = i == 2 ? "vm-2" : "vm-1";
    c.resource = Resource::kMemory;
    c.old_value = 1e9 * i;
    c.new_value = 1e9 * (i + 1);
    c.mode = Mode::kEnforce;
    c.reason = "prediction";
    c.unix_ms = 100 + i;
    ASSERT_TRUE(store->append_change(c).has_value());
  }
  auto vm1 = store->changes("vm-1", 10);
  ASSERT_TRUE(vm1.has_value());
  ASSERT_EQ(vm1->size(), 2u);
  EXPECT_EQ((*vm1)[0].unix_ms, 101);
  EXPECT_EQ((*vm1)[0].resource, Resource::kMemory);
  EXPECT_EQ((*vm1)[0].mode, Mode::kEnforce);
  EXPECT_EQ((*vm1)[0].new_value, 2e9);
  auto all = store->changes("", 2);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].instance_id, "vm-2");
  EXPECT_EQ(store->count_rows()->changes, 3u);
}

}  // namespace
}  // namespace augur::store

#include <thread>

namespace augur::store {
namespace {

TEST_F(SqliteBaselines, OneStoreObjectIsSafeToShareBetweenThreads) {
  auto store = open();
  ASSERT_TRUE(store);
  auto writer = [&](const std::string& instance) {
    for (int i = 0; i < 100; ++i) {
      ChangeRecord c;
      c.instance_id = instance;
      c.unix_ms = i;
      ASSERT_TRUE(store->append_change(c).has_value());
      BaselineRecord b;
      b.key = "instance:" + instance;
      b.payload = std::to_string(i);
      ASSERT_TRUE(store->put_baseline(b).has_value());
    }
  };
  std::thread a(writer, "vm-a");
  std::thread b(writer, "vm-b");
  a.join();
  b.join();
  auto counts = store->count_rows();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->changes, 200u);
  EXPECT_EQ(counts->baselines, 2u);
  auto all = store->changes("", 1000);
  std::set<std::string> ids;
  for (const auto& c : *all) ids.insert(c.record_id);
  EXPECT_EQ(ids.size(), 200u);
}

}  // namespace
}  // namespace augur::store
