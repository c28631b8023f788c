#include "augur/daemon/analyser_stage.h"

#include <gtest/gtest.h>

#include <random>

#include "augur/drift/baseline_codec.h"
#include "augur/fingerprint/feature_table.h"
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
void feed(DecisionAnalyserStage& stage, FakeClock& clock, int ticks) {
  Instance web;
  web.id = "vm-1";
  web.name = "web-1";
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
    s.instance_id = "vm-1";
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

TEST(DecisionAnalyserStage, RunsWithoutAStore) {
  FakeClock clock;
  DecisionAnalyserStage stage(small_windows(), clock, nullptr);
  feed(stage, clock, 20);
  EXPECT_TRUE(stage.save_baselines());
}

}  // namespace
}  // namespace augur::daemon
