// The per-type fleet aggregate on a real PostgreSQL server (docs/fleet.md "Fleet aggregate"):
// after any sequence of hosts' writes it equals the merge of every host's latest row; what a
// host reads excludes exactly its own contribution; the v1 -> v2 migration backfills it; two
// hosts writing one type at once leave it consistent.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "../drift/fingerprints.h"
#include "augur/daemon/fleet_baselines.h"
#include "augur/drift/baseline_codec.h"
#include "augur/store/fleet_store.h"
#include "augur/store/postgres_store.h"
#include "pg_schema.h"
#include "pg_test_env.h"

namespace augur::store {
namespace {

namespace fs = std::filesystem;
namespace fp = augur::fingerprint;
using namespace std::chrono_literals;

// Merges in a different order than the store did (and the store subtracted on the way):
// equal up to rounding. Relative to each quantity's own scale (see tests/drift).
constexpr double kTolerance = 1e-9;

double worst_error(const drift::Baseline& got, const drift::Baseline& want) {
  if (got.fingerprints != want.fingerprints || got.scores.counts() != want.scores.counts() ||
      got.slow_scores.counts() != want.slow_scores.counts()) {
    return INFINITY;
  }
  double worst = 0;
  for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
    const drift::Moments& g = got.features[i];
    const drift::Moments& w = want.features[i];
    if (g.count != w.count) return INFINITY;
    const double mean_scale = std::max(std::abs(w.mean), std::sqrt(w.variance()));
    if (g.mean != w.mean) worst = std::max(worst, std::abs(g.mean - w.mean) / mean_scale);
    if (g.m2 != w.m2) worst = std::max(worst, std::abs(g.m2 - w.m2) / std::abs(w.m2));
  }
  if (got.covariance.count != want.covariance.count) return INFINITY;
  return worst;
}

std::vector<drift::Baseline> make_pool(std::size_t n) {
  namespace synth = drift::testing;
  const synth::Noise noises[] = {synth::Noise::kGaussian, synth::Noise::kStudentT3,
                                 synth::Noise::kAr1};
  std::vector<drift::Baseline> pool;
  std::mt19937_64 rng(3);
  std::gamma_distribution<double> scores(9.0, 0.1);
  for (std::size_t k = 0; k < n; ++k) {
    synth::SyntheticInstance vm("vm-" + std::to_string(k), synth::web_profile(), noises[k % 3],
                                100 + k);
    drift::Baseline b = drift::make_baseline(/*track_covariance=*/true);
    for (const Fingerprint& f : synth::fingerprints_of(vm, 60 + static_cast<int>(k % 4) * 30)) {
      drift::learn(b, f);
      b.scores.add(scores(rng));
    }
    pool.push_back(std::move(b));
  }
  return pool;
}

BaselineRecord type_row(const std::string& key, const drift::Baseline& b, std::int64_t ms) {
  BaselineRecord r;
  r.key = key;
  r.feature_table_version = b.feature_table_version;
  r.payload = drift::serialize(b);
  r.updated_unix_ms = ms;
  return r;
}

Result<std::unique_ptr<Store>> connect(const std::string& conninfo, const std::string& host) {
  PostgresStoreOptions o;
  o.conninfo = conninfo;
  o.host_id = host;
  o.connect_timeout = 2s;
  o.statement_timeout = 10s;
  return open_postgres_store(o);
}

// The whole aggregate of `key`: what a host that contributes nothing reads.
Result<drift::Baseline> aggregate_of(Store& store, const std::string& key) {
  auto rows = store.fleet_type_others(fp::kFeatureTableVersion, "no-such-host");
  if (!rows) return rows.error();
  for (const BaselineRecord& r : *rows) {
    if (r.key == key) return drift::deserialize(r.payload);
  }
  return Error{"no aggregate of " + key, ""};
}

drift::Baseline merge_in_host_order(const std::map<std::string, const drift::Baseline*>& rows) {
  std::optional<drift::Baseline> out;
  for (const auto& [host, b] : rows) {
    if (!out) {
      out = *b;
    } else {
      drift::merge_into(*out, *b);
    }
  }
  return out ? *out : drift::make_baseline(true);
}

class FleetAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(schema_.create()) << "no PostgreSQL server"; }
  test::PgSchema schema_;
};

// Five hosts write two types 60 times in a random order: rewrites of their own rows, late
// replays of older rows (ignored), a row that is not a baseline (contributes nothing). Two
// different orders end with the same rows; each aggregate equals the merge of every host's
// latest row.
TEST_F(FleetAggregateTest, EqualsTheMergeOfEveryHostsLatestRowWhateverTheOrder) {
  const std::vector<drift::Baseline> pool = make_pool(8);
  constexpr int kHosts = 5;
  std::vector<std::unique_ptr<Store>> hosts;
  for (int h = 0; h < kHosts; ++h) {
    auto s = connect(schema_.conninfo(), "host-" + std::to_string(h));
    ASSERT_TRUE(s.has_value()) << s.error().message();
    hosts.push_back(std::move(*s));
  }
  struct Write {
    int host;
    std::size_t pool_index;
    std::int64_t ms;
  };
  // Per key: the writes, then shuffled. Each host's newest write (highest ms) decides.
  for (const std::string key : {"type:web", "type:db"}) {
    std::mt19937_64 rng(key.size());
    std::vector<Write> writes;
    for (int i = 0; i < 60; ++i) {
      writes.push_back(Write{i % kHosts, rng() % pool.size(), 1000 + static_cast<std::int64_t>(i)});
    }
    std::shuffle(writes.begin(), writes.end(), rng);
    std::map<std::string, std::pair<std::int64_t, const drift::Baseline*>> latest;
    for (const Write& w : writes) {
      ASSERT_TRUE(hosts[w.host]->put_baseline(type_row(key, pool[w.pool_index], w.ms)).has_value());
      auto& l = latest["host-" + std::to_string(w.host)];
      if (w.ms >= l.first) l = {w.ms, &pool[w.pool_index]};
    }
    std::map<std::string, const drift::Baseline*> rows;
    for (const auto& [host, l] : latest) rows[host] = l.second;
    auto agg = aggregate_of(*hosts[0], key);
    ASSERT_TRUE(agg.has_value()) << agg.error().message();
    const double err = worst_error(*agg, merge_in_host_order(rows));
    std::printf("%s after 60 writes in random order: worst relative error %.3g\n", key.c_str(),
                err);
    EXPECT_LE(err, kTolerance);
    EXPECT_EQ(schema_.value("SELECT contributors FROM type_aggregates WHERE key = '" + key + "'"),
              std::to_string(kHosts));
  }
  // A host's row that is not a baseline replaces its contribution with none.
  BaselineRecord junk;
  junk.key = "type:web";
  junk.feature_table_version = fp::kFeatureTableVersion;
  junk.payload = "not a baseline";
  junk.updated_unix_ms = 5000;
  ASSERT_TRUE(hosts[4]->put_baseline(junk).has_value());
  EXPECT_EQ(schema_.value("SELECT contributors FROM type_aggregates WHERE key = 'type:web'"),
            std::to_string(kHosts - 1));
  // A late replay changes neither the row nor the aggregate.
  const std::string before =
      schema_.value("SELECT md5(payload) FROM type_aggregates WHERE key = 'type:web'");
  ASSERT_TRUE(hosts[1]->put_baseline(type_row("type:web", pool[0], 10)).has_value());
  EXPECT_EQ(schema_.value("SELECT md5(payload) FROM type_aggregates WHERE key = 'type:web'"),
            before);
}

// What a host reads is the fleet without itself: aggregate - its own row, equal to the
// merge of the other hosts' rows; a type only it contributes to is not there at all. Through
// the fleet layer, its cache then holds one row per type and the analyser's merge counts
// the others once and this host never.
TEST_F(FleetAggregateTest, AHostsOthersExcludeExactlyItsOwnContribution) {
  const std::vector<drift::Baseline> pool = make_pool(4);
  for (int h = 0; h < 3; ++h) {
    auto s = connect(schema_.conninfo(), "host-" + std::string(1, static_cast<char>('a' + h)));
    ASSERT_TRUE(s.has_value()) << s.error().message();
    ASSERT_TRUE((*s)->put_baseline(type_row("type:web", pool[h], 1000)).has_value());
    if (h == 0) {
      ASSERT_TRUE((*s)->put_baseline(type_row("type:solo", pool[3], 1000)).has_value());
    }
  }
  auto a = connect(schema_.conninfo(), "host-a");
  ASSERT_TRUE(a.has_value());
  auto others = (*a)->fleet_type_others(fp::kFeatureTableVersion);
  ASSERT_TRUE(others.has_value()) << others.error().message();
  ASSERT_EQ(others->size(), 1u);  // type:solo is host-a's alone
  EXPECT_EQ((*others)[0].key, "type:web");
  EXPECT_EQ((*others)[0].host_id, kFleetOthersHostId);
  auto got = drift::deserialize((*others)[0].payload);
  ASSERT_TRUE(got.has_value());
  const double err = worst_error(*got, merge_in_host_order({{"b", &pool[1]}, {"c", &pool[2]}}));
  std::printf("aggregate - own vs the others' merge: worst relative error %.3g\n", err);
  EXPECT_LE(err, kTolerance);

  // Through the fleet layer: host-a's cache and the analyser's merge of it.
  std::string tmpl = (fs::temp_directory_path() / "augur-agg-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  {
    FleetStoreOptions o;
    o.local.path = tmpl + "/host-a.db";
    o.local.host_id = "host-a";
    o.connect = [&] { return connect(schema_.conninfo(), "host-a"); };
    o.feature_table_version = fp::kFeatureTableVersion;
    o.start_thread = false;
    o.drain_at_stop = false;
    auto fleet = FleetStore::open(o);
    ASSERT_TRUE(fleet.has_value()) << fleet.error().message();
    ASSERT_TRUE((*fleet)->put_baseline(type_row("type:web", pool[0], 2000)).has_value());
    ASSERT_TRUE((*fleet)->sync_now().has_value()) << (*fleet)->status().last_error;
    auto rows = (*fleet)->baselines(fp::kFeatureTableVersion);
    ASSERT_TRUE(rows.has_value());
    const daemon::FleetTypeBaselines merged = daemon::merge_fleet_types(*rows, "host-a");
    EXPECT_TRUE(merged.errors.empty());
    EXPECT_EQ(merged.contributions, 1u);  // one merged row for web; solo has no others
    ASSERT_EQ(merged.merged.count("web"), 1u);
    EXPECT_EQ(merged.merged.find("web")->second.fingerprints,
              pool[1].fingerprints + pool[2].fingerprints);
  }
  fs::remove_all(tmpl);
}

// A database at schema v1 with baselines in it: opening it with this build migrates to v2 and
// backfills every type's aggregate from the rows that decode (instance rows and junk not).
TEST_F(FleetAggregateTest, MigratingFromVersionOneBackfillsTheAggregates) {
  const std::vector<drift::Baseline> pool = make_pool(3);
  ASSERT_TRUE(schema_.sql(detail::pg_migration_sql(0)));
  ASSERT_TRUE(
      schema_.sql("CREATE TABLE augur_meta(name text PRIMARY KEY, value text NOT NULL); "
                  "INSERT INTO augur_meta VALUES('schema_version', '1')"));
  auto insert = [&](const std::string& host, const std::string& key, const std::string& payload) {
    return schema_.sql(
        "INSERT INTO baselines(record_id, host_id, key, feature_table_version, payload, "
        "updated_unix_ms) VALUES('" +
        host + ":baseline:" + key + "', '" + host + "', '" + key + "', " +
        std::to_string(fp::kFeatureTableVersion) + ", convert_to($augur$" + payload +
        "$augur$, 'UTF8'), 1000)");
  };
  for (int h = 0; h < 3; ++h) {
    ASSERT_TRUE(insert("host-" + std::to_string(h), "type:web", drift::serialize(pool[h])));
  }
  ASSERT_TRUE(insert("host-0", "instance:vm-1", drift::serialize(pool[0])));
  ASSERT_TRUE(insert("host-3", "type:web", "junk"));
  ASSERT_TRUE(insert("host-1", "type:db", drift::serialize(pool[2])));

  auto store = connect(schema_.conninfo(), "host-9");
  ASSERT_TRUE(store.has_value()) << store.error().message();
  EXPECT_EQ(schema_.value("SELECT value FROM augur_meta WHERE name = 'schema_version'"), "2");
  EXPECT_EQ(schema_.value("SELECT string_agg(key || '=' || contributors, ',' ORDER BY key) FROM "
                          "type_aggregates"),
            "type:db=1,type:web=3");
  auto web = aggregate_of(**store, "type:web");
  ASSERT_TRUE(web.has_value()) << web.error().message();
  EXPECT_LE(
      worst_error(*web, merge_in_host_order({{"0", &pool[0]}, {"1", &pool[1]}, {"2", &pool[2]}})),
      kTolerance);
  // The increment continues from the backfill: host-1 replaces its row.
  auto h1 = connect(schema_.conninfo(), "host-1");
  ASSERT_TRUE(h1.has_value());
  ASSERT_TRUE((*h1)->put_baseline(type_row("type:web", pool[0], 2000)).has_value());
  web = aggregate_of(**store, "type:web");
  ASSERT_TRUE(web.has_value());
  EXPECT_LE(
      worst_error(*web, merge_in_host_order({{"0", &pool[0]}, {"1", &pool[0]}, {"2", &pool[2]}})),
      kTolerance);
}

// Two hosts on two connections write the same type as fast as they can: the aggregate row's
// lock serialises them, and the end state equals the merge of their final rows.
TEST_F(FleetAggregateTest, ConcurrentWritersOfOneTypeLeaveAConsistentAggregate) {
  const std::vector<drift::Baseline> pool = make_pool(6);
  constexpr int kWrites = 60;
  std::vector<std::size_t> last(2);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int h = 0; h < 2; ++h) {
    threads.emplace_back([&, h] {
      auto s = connect(schema_.conninfo(), "host-" + std::to_string(h));
      if (!s) {
        ++failures;
        return;
      }
      for (int i = 0; i < kWrites; ++i) {
        const std::size_t k = static_cast<std::size_t>(i * 7 + h * 3) % pool.size();
        if (!(*s)->put_baseline(type_row("type:web", pool[k], 1000 + i))) ++failures;
        last[static_cast<std::size_t>(h)] = k;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  auto reader = connect(schema_.conninfo(), "reader");
  ASSERT_TRUE(reader.has_value());
  auto agg = aggregate_of(**reader, "type:web");
  ASSERT_TRUE(agg.has_value()) << agg.error().message();
  const double err =
      worst_error(*agg, merge_in_host_order({{"0", &pool[last[0]]}, {"1", &pool[last[1]]}}));
  std::printf("two concurrent writers, %d writes each: worst relative error %.3g\n", kWrites, err);
  EXPECT_LE(err, kTolerance);
  EXPECT_EQ(schema_.value("SELECT contributors FROM type_aggregates WHERE key = 'type:web'"), "2");
}

}  // namespace
}  // namespace augur::store
