// The Store contract (store.h, records.h), run against both backends: the embedded SQLite
// store on a temporary file and the PostgreSQL store on a fresh schema of a real server. Both
// must agree on every behaviour here; what differs by design is in postgres_store_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <regex>
#include <set>
#include <thread>

#include "../store/sample_records.h"
#include "augur/store/postgres_store.h"
#include "augur/store/sqlite_store.h"
#include "pg_test_env.h"

namespace augur::store {
namespace {

using test::outcome;
using test::pattern;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Status prepare() = 0;
  virtual Result<std::unique_ptr<Store>> open(const std::string& host) = 0;
};

class SqliteBackend final : public Backend {
 public:
  ~SqliteBackend() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Status prepare() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "augur-contract-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return errno_error("mkdtemp", tmpl);
    dir_ = tmpl;
    return {};
  }
  Result<std::unique_ptr<Store>> open(const std::string& host) override {
    SqliteStoreOptions o;
    o.path = dir_ + "/augur.db";
    o.host_id = host;
    o.unix_seconds = [] { return std::int64_t{1764300000}; };
    auto s = open_sqlite_store(o);
    if (!s) return s.error();
    return std::unique_ptr<Store>(std::move(s->store));
  }

 private:
  std::string dir_;
};

class PostgresBackend final : public Backend {
 public:
  Status prepare() override { return schema_.create(); }
  Result<std::unique_ptr<Store>> open(const std::string& host) override {
    PostgresStoreOptions o;
    o.conninfo = schema_.conninfo();
    o.host_id = host;
    o.unix_seconds = [] { return std::int64_t{1764300000}; };
    return open_postgres_store(o);
  }

 private:
  test::PgSchema schema_;
};

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      backend_ = std::make_unique<SqliteBackend>();
    } else {
      backend_ = std::make_unique<PostgresBackend>();
    }
    auto s = backend_->prepare();
    ASSERT_TRUE(s.has_value()) << s.error().message();
  }

  std::unique_ptr<Store> open(const std::string& host = "host-a") {
    auto s = backend_->open(host);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message());
    return s ? std::move(*s) : nullptr;
  }

  std::unique_ptr<Backend> backend_;
};

BaselineRecord baseline(const std::string& key, std::uint32_t version, std::string payload,
                        std::int64_t updated_ms) {
  BaselineRecord b;
  b.key = key;
  b.feature_table_version = version;
  b.payload = std::move(payload);
  b.updated_unix_ms = updated_ms;
  return b;
}

EpisodeRecord episode(const std::string& instance, std::int64_t start_ms) {
  EpisodeRecord e;
  e.instance_id = instance;
  e.app_type = "web";
  e.start_unix_ms = start_ms;
  e.peak_score = 7.25;
  e.feature_table_version = 4;
  e.direction = {0.5, -0.25, kUnknown, 1e-300};
  e.top_features = {{3, 2.5}, {0, -1.0 / 3.0}};
  return e;
}

ChangeRecord change(const std::string& instance, std::int64_t unix_ms, double to) {
  ChangeRecord c;
  c.instance_id = instance;
  c.resource = Resource::kMemory;
  c.old_value = 1e9;
  c.new_value = to;
  c.mode = Mode::kEnforce;
  c.reason = "drift 4.2 on llc_misses; predicted +30%";
  c.unix_ms = unix_ms;
  return c;
}

template <class T>
T value_of(Result<T> r) {
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? std::move(*r) : T{};
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgres"),
                         param_name);

TEST_P(StoreContract, AssignsHostKindEpochSequenceIdsThatSurviveReopening) {
  std::string first;
  {
    auto store = open();
    ASSERT_TRUE(store);
    first = value_of(store->append_episode(episode("vm-1", 1000)));
    EXPECT_THAT(first, ::testing::MatchesRegex("host-a:episode:[0-9a-f]+:1"));
    EXPECT_THAT(value_of(store->append_pattern(pattern("vm-1", 1000))),
                ::testing::MatchesRegex("host-a:pattern:[0-9a-f]+:1"));
    EXPECT_THAT(value_of(store->append_change(change("vm-1", 1000, 2e9))),
                ::testing::MatchesRegex("host-a:change:[0-9a-f]+:1"));
  }
  auto store = open();
  ASSERT_TRUE(store);
  const std::string second = value_of(store->append_episode(episode("vm-1", 2000)));
  // Same epoch, next number: ids never repeat across restarts.
  EXPECT_EQ(second, first.substr(0, first.size() - 1) + "2");
}

TEST_P(StoreContract, RecordsOfAnotherHostKeepTheirHostId) {
  auto store = open();
  ASSERT_TRUE(store);
  EpisodeRecord e = episode("vm-9", 1000);
  e.host_id = "host-z";
  EXPECT_THAT(value_of(store->append_episode(e)),
              ::testing::MatchesRegex("host-z:episode:[0-9a-f]+:1"));
  auto got = value_of(store->episodes("vm-9"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].host_id, "host-z");
}

TEST_P(StoreContract, ReAppendingARecordIdChangesNothing) {
  auto store = open();
  ASSERT_TRUE(store);
  EpisodeRecord e = episode("vm-1", 1000);
  e.record_id = "host-a:episode:outbox:1";
  PatternRecord p = pattern("vm-1", 1000);
  p.record_id = "host-a:pattern:outbox:1";
  ChangeRecord c = change("vm-1", 1000, 2e9);
  c.record_id = "host-a:change:outbox:1";
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(value_of(store->append_episode(e)), e.record_id);
    EXPECT_EQ(value_of(store->append_pattern(p)), p.record_id);
    EXPECT_EQ(value_of(store->append_change(c)), c.record_id);
    e.peak_score += 1;  // a later copy differs: the first write wins
  }
  const TableCounts n = value_of(store->count_rows());
  EXPECT_EQ(n.episodes, 1u);
  EXPECT_EQ(n.patterns, 1u);
  EXPECT_EQ(n.changes, 1u);
  auto got = value_of(store->episodes("vm-1"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].peak_score, 7.25);
}

TEST_P(StoreContract, EpisodesRoundTripOldestFirst) {
  auto store = open();
  ASSERT_TRUE(store);
  EpisodeRecord closed = episode("vm-1", 2000);
  closed.end_unix_ms = 2500;
  EpisodeRecord open_one = episode("vm-1", 1000);
  EpisodeRecord other = episode("vm-2", 1500);
  closed.record_id = value_of(store->append_episode(closed));
  open_one.record_id = value_of(store->append_episode(open_one));
  ASSERT_TRUE(store->append_episode(other).has_value());
  auto got = value_of(store->episodes("vm-1"));
  ASSERT_EQ(got.size(), 2u);
  open_one.host_id = closed.host_id = "host-a";
  EXPECT_EQ(got[0].record_id, open_one.record_id);
  EXPECT_EQ(got[0].end_unix_ms, std::nullopt);
  EXPECT_EQ(got[1].end_unix_ms, 2500);
  // direction holds a NaN, which operator== compares as unequal: compare the rest.
  ASSERT_EQ(got[1].direction.size(), 4u);
  EXPECT_TRUE(std::isnan(got[1].direction[2]));
  EXPECT_EQ(got[1].direction[3], 1e-300);
  ASSERT_EQ(got[1].top_features.size(), 2u);
  EXPECT_EQ(got[1].top_features[1].contribution, -1.0 / 3.0);
  EXPECT_TRUE(value_of(store->episodes("vm-404")).empty());
}

TEST_P(StoreContract, PatternsRoundTripWithNaNsAndLabels) {
  auto store = open();
  ASSERT_TRUE(store);
  PatternRecord p = pattern("vm-1", 1000);
  const std::string id = value_of(store->append_pattern(p));
  auto unl = value_of(store->unlabelled_patterns(10));
  ASSERT_EQ(unl.size(), 1u);
  EXPECT_FALSE(unl[0].outcome.has_value());
  ASSERT_TRUE(store->label_pattern(id, outcome(5e6), 2000).has_value());
  auto got = value_of(store->labelled_patterns(10));
  ASSERT_EQ(got.size(), 1u);
  p.record_id = id;
  p.host_id = "host-a";
  p.outcome = outcome(5e6);
  p.labelled_unix_ms = 2000;
  EXPECT_EQ(got[0], p);
  EXPECT_TRUE(std::isnan(got[0].host_load[Resource::kCpu]));
  EXPECT_TRUE(value_of(store->unlabelled_patterns(10)).empty());
}

TEST_P(StoreContract, LabellingAnUnknownPatternIsAnError) {
  auto store = open();
  ASSERT_TRUE(store);
  auto s = store->label_pattern("host-a:pattern:nope:1", outcome(1), 1);
  ASSERT_FALSE(s.has_value());
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("host-a:pattern:nope:1"));
}

TEST_P(StoreContract, LabelledNewestFirstAndUnlabelledOldestFirstWithLimits) {
  auto store = open();
  ASSERT_TRUE(store);
  std::vector<std::string> ids;
  for (std::int64_t t : {3000, 1000, 2000, 2000, 4000}) {
    ids.push_back(value_of(store->append_pattern(pattern("vm-" + std::to_string(t), t))));
  }
  for (std::size_t i : {0u, 1u, 2u, 3u}) {
    ASSERT_TRUE(store->label_pattern(ids[i], outcome(static_cast<double>(i)), 9000).has_value());
  }
  auto labelled = value_of(store->labelled_patterns(3));
  ASSERT_EQ(labelled.size(), 3u);
  EXPECT_EQ(labelled[0].record_id, ids[0]);  // 3000
  EXPECT_EQ(labelled[1].record_id, ids[3]);  // 2000, written after ids[2]
  EXPECT_EQ(labelled[2].record_id, ids[2]);
  auto unlabelled = value_of(store->unlabelled_patterns(10));
  ASSERT_EQ(unlabelled.size(), 1u);
  EXPECT_EQ(unlabelled[0].record_id, ids[4]);
  EXPECT_TRUE(value_of(store->labelled_patterns(0)).empty());
}

TEST_P(StoreContract, HostsShareLabelledPatternsAndBaselines) {
  auto a = open("host-a");
  auto b = open("host-b");
  ASSERT_TRUE(a && b);
  const std::string id = value_of(a->append_pattern(pattern("web-1", 1000)));
  ASSERT_TRUE(a->label_pattern(id, outcome(7e6), 5000).has_value());
  ASSERT_TRUE(b->put_baseline(baseline("type:web", 4, "from-b", 10)).has_value());
  ASSERT_TRUE(a->put_baseline(baseline("type:web", 4, "from-a", 10)).has_value());
  ASSERT_TRUE(a->put_baseline(baseline("type:db", 4, "db-a", 10)).has_value());

  // Host B learns from host A's labelled pattern.
  auto seen = value_of(b->labelled_patterns(10));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].record_id, id);
  EXPECT_EQ(seen[0].host_id, "host-a");
  EXPECT_EQ(seen[0].outcome, outcome(7e6));

  // Every host's baselines, by key then host.
  auto all = value_of(b->baselines(4));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].key, "type:db");
  EXPECT_EQ(all[1].host_id, "host-a");
  EXPECT_EQ(all[1].payload, "from-a");
  EXPECT_EQ(all[2].host_id, "host-b");
  EXPECT_EQ(all[2].record_id, "host-b:baseline:type:web");
  // get_baseline reads this host's unless told another.
  EXPECT_EQ(value_of(b->get_baseline("type:web", 4))->payload, "from-b");
  EXPECT_EQ(value_of(b->get_baseline("type:web", 4, "host-a"))->payload, "from-a");
  EXPECT_FALSE(value_of(b->get_baseline("type:db", 4)).has_value());
}

TEST_P(StoreContract, BaselinesSortByKeyThenHostInByteOrder) {
  auto lower = open("host-b");
  auto upper = open("Host-C");
  ASSERT_TRUE(lower && upper);
  for (const char* key : {"type:db", "type:Web", "type:apple"}) {
    ASSERT_TRUE(lower->put_baseline(baseline(key, 4, "p", 1)).has_value());
  }
  ASSERT_TRUE(upper->put_baseline(baseline("type:db", 4, "p", 1)).has_value());
  std::vector<std::string> order;
  for (const auto& b : value_of(lower->baselines(4))) order.push_back(b.key + "@" + b.host_id);
  EXPECT_THAT(order, ::testing::ElementsAre("type:Web@host-b", "type:apple@host-b",
                                            "type:db@Host-C", "type:db@host-b"));
}

TEST_P(StoreContract, BaselineUpsertByHostAndKeyReplacesWithNewer) {
  auto store = open();
  ASSERT_TRUE(store);
  const std::string payload("bin\0ary\xff", 8);
  ASSERT_TRUE(store->put_baseline(baseline("instance:vm-1", 4, payload, 100)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:vm-1", 4, "v2", 200)).has_value());
  auto got = value_of(store->get_baseline("instance:vm-1", 4));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->payload, "v2");
  EXPECT_EQ(got->updated_unix_ms, 200);
  EXPECT_EQ(got->record_id, "host-a:baseline:instance:vm-1");
  EXPECT_EQ(value_of(store->count_rows()).baselines, 1u);
  ASSERT_TRUE(store->put_baseline(baseline("instance:vm-2", 4, payload, 100)).has_value());
  EXPECT_EQ(value_of(store->get_baseline("instance:vm-2", 4))->payload, payload);
  EXPECT_FALSE(store->put_baseline(baseline("", 4, "x", 1)).has_value());
}

TEST_P(StoreContract, OtherFeatureTableVersionsAreIgnoredUntilPruned) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("type:old", 3, "old", 1000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:recent", 3, "recent", 9000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:cur", 4, "cur", 1000)).has_value());
  EXPECT_FALSE(value_of(store->get_baseline("type:old", 4)).has_value());
  EXPECT_TRUE(value_of(store->get_baseline("type:old", 3)).has_value());
  EXPECT_EQ(value_of(store->baselines(4)).size(), 1u);
  EXPECT_EQ(value_of(store->baselines(3)).size(), 2u);
  // Only other versions, and only those last updated before the cutoff.
  EXPECT_EQ(value_of(store->prune_stale_baselines(4, 5000)), 1u);
  EXPECT_EQ(value_of(store->baselines(3)).size(), 1u);
  EXPECT_EQ(value_of(store->baselines(4)).size(), 1u);
  EXPECT_EQ(value_of(store->prune_stale_baselines(4, 5000)), 0u);
}

// Retention: only this host's "instance:" rows (any version) last updated before the cutoff.
TEST_P(StoreContract, OldInstanceBaselinesOfThisHostArePrunedAndNothingElse) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("instance:gone", 4, "a", 1000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:gone-v3", 3, "b", 1000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:at-cutoff", 4, "c", 5000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("instance:recent", 4, "d", 9000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "e", 1000)).has_value());
  ASSERT_TRUE(store->put_baseline(baseline("type:old", 3, "f", 1000)).has_value());
  auto b = open("host-b");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->put_baseline(baseline("instance:gone", 4, "host-b's", 1000)).has_value());
  ASSERT_TRUE(b->put_baseline(baseline("type:web", 4, "host-b's", 1000)).has_value());

  EXPECT_EQ(value_of(store->prune_instance_baselines(5000)), 2u);
  EXPECT_FALSE(value_of(store->get_baseline("instance:gone", 4)).has_value());
  EXPECT_FALSE(value_of(store->get_baseline("instance:gone-v3", 3)).has_value());
  EXPECT_TRUE(value_of(store->get_baseline("instance:at-cutoff", 4)).has_value());
  EXPECT_TRUE(value_of(store->get_baseline("instance:recent", 4)).has_value());
  EXPECT_TRUE(value_of(store->get_baseline("type:web", 4)).has_value());
  EXPECT_TRUE(value_of(store->get_baseline("type:old", 3)).has_value());
  EXPECT_EQ(value_of(store->get_baseline("instance:gone", 4, "host-b"))->payload, "host-b's");
  EXPECT_EQ(value_of(store->count_rows()).baselines, 6u);
  EXPECT_EQ(value_of(store->prune_instance_baselines(5000)), 0u);

  EXPECT_EQ(value_of(b->prune_instance_baselines(5000)), 1u);
  EXPECT_TRUE(value_of(b->get_baseline("type:web", 4)).has_value());
  EXPECT_EQ(value_of(store->count_rows()).baselines, 5u);
}

TEST_P(StoreContract, ChangesNewestFirstPerInstanceOrAll) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->append_change(change("vm-1", 1000, 1)).has_value());
  ASSERT_TRUE(store->append_change(change("vm-2", 2000, 2)).has_value());
  ASSERT_TRUE(store->append_change(change("vm-1", 3000, 3)).has_value());
  ASSERT_TRUE(store->append_change(change("vm-1", 3000, 4)).has_value());
  auto vm1 = value_of(store->changes("vm-1", 10));
  ASSERT_EQ(vm1.size(), 3u);
  EXPECT_EQ(vm1[0].new_value, 4);  // same millisecond: the later write first
  EXPECT_EQ(vm1[1].new_value, 3);
  EXPECT_EQ(vm1[2].new_value, 1);
  EXPECT_EQ(vm1[0].mode, Mode::kEnforce);
  EXPECT_EQ(vm1[0].resource, Resource::kMemory);
  EXPECT_EQ(vm1[0].reason, "drift 4.2 on llc_misses; predicted +30%");
  auto all = value_of(store->changes("", 2));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].new_value, 4);
  EXPECT_EQ(all[1].new_value, 3);
}

TEST_P(StoreContract, UnknownChangeValuesRoundTripAsNaN) {
  auto store = open();
  ASSERT_TRUE(store);
  ChangeRecord c = change("vm-1", 1000, kUnknown);
  c.old_value = kUnknown;
  ASSERT_TRUE(store->append_change(c).has_value());
  auto got = value_of(store->changes("vm-1", 1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::isnan(got[0].old_value));
  EXPECT_TRUE(std::isnan(got[0].new_value));
}

TEST_P(StoreContract, CountsEveryTable) {
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_baseline(baseline("type:web", 4, "p", 1)).has_value());
  ASSERT_TRUE(store->append_episode(episode("vm-1", 1)).has_value());
  const std::string id = value_of(store->append_pattern(pattern("vm-1", 1)));
  ASSERT_TRUE(store->append_pattern(pattern("vm-1", 2)).has_value());
  ASSERT_TRUE(store->label_pattern(id, outcome(1), 3).has_value());
  ASSERT_TRUE(store->append_change(change("vm-1", 1, 1)).has_value());
  const TableCounts n = value_of(store->count_rows());
  EXPECT_EQ(n.baselines, 1u);
  EXPECT_EQ(n.episodes, 1u);
  EXPECT_EQ(n.patterns, 2u);
  EXPECT_EQ(n.labelled_patterns, 1u);
  EXPECT_EQ(n.changes, 1u);
}

TEST_P(StoreContract, ThreadsSharingAStoreGetDistinctIds) {
  auto store = open();
  ASSERT_TRUE(store);
  constexpr int kPerThread = 40;
  std::vector<std::string> ids[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto id = store->append_change(change("vm-" + std::to_string(t), i, i));
        if (id) ids[t].push_back(*id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> unique(ids[0].begin(), ids[0].end());
  unique.insert(ids[1].begin(), ids[1].end());
  EXPECT_EQ(unique.size(), 2u * kPerThread);
  EXPECT_EQ(value_of(store->count_rows()).changes, 2u * kPerThread);
}

TEST_P(StoreContract, TwoStoresOfOneHostNeverHandOutOneIdTwice) {
  auto first = open("host-a");
  auto second = open("host-a");
  ASSERT_TRUE(first && second);
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.insert(value_of(first->append_episode(episode("vm-1", i))));
    ids.insert(value_of(second->append_episode(episode("vm-1", i))));
  }
  EXPECT_EQ(ids.size(), 10u);
}

}  // namespace
}  // namespace augur::store
