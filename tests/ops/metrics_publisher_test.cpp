// MetricsPublisher: a DaemonView fed as the analyser and actuator feed it, published into a
// registry with the Augur families; new changes are counted once even as the view's
// bounded history slides, and vanished instances lose their series.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

// The publisher is the daemon's private glue, not a public header.
#include "../../src/daemon/metrics_publisher.h"
#include "augur/metrics/augur_families.h"
#include "exposition_checker.h"

namespace augur::daemon {
namespace {

using Parsed = std::map<std::string, std::string>;

ChangeView change(std::int64_t unix_ms, std::string instance, std::string outcome,
                  std::string reason = "prediction") {
  ChangeView c;
  c.unix_ms = unix_ms;
  c.instance_id = "id-" + instance;
  c.instance = std::move(instance);
  c.resource = "cpu";
  c.old_value = 1;
  c.new_value = 2;
  c.outcome = std::move(outcome);
  c.reason = std::move(reason);
  c.mode = "enforce";
  return c;
}

InstanceView instance(std::string name, std::string app_type) {
  InstanceView v;
  v.id = "id-" + name;
  v.name = std::move(name);
  v.app_type = std::move(app_type);
  v.scored = true;
  v.score = 0.5;
  v.threshold = 2;
  v.allocation[Resource::kCpu] = 2;
  return v;
}

class Publisher : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(metrics::define_augur_families(registry_, "t")); }
  ops_test::CheckResult publish() {
    const Status s = publisher_.publish(counters_, view_);
    EXPECT_TRUE(s) << s.error().message();
    auto check = ops_test::check_exposition(registry_.exposition());
    EXPECT_TRUE(check.ok()) << check.joined_errors();
    return check;
  }
  static double value(const ops_test::CheckResult& c, std::string_view name,
                      const Parsed& labels = {}) {
    const auto* s = c.find(name, labels);
    return s == nullptr ? -1 : s->value;
  }

  metrics::MetricsRegistry registry_;
  MetricsPublisher publisher_{registry_};
  DaemonView view_;
  PipelineCounters counters_;
};

TEST_F(Publisher, MirrorsThePipelineCounters) {
  counters_.ticks = 7;
  counters_.missed_ticks = 2;
  counters_.sample_queue_drops = 3;
  counters_.plan_queue_drops = 4;
  counters_.stage_errors = 5;
  const auto c = publish();
  EXPECT_EQ(value(c, "augur_ticks_total"), 7);
  EXPECT_EQ(value(c, "augur_missed_ticks_total"), 2);
  EXPECT_EQ(value(c, "augur_queue_drops_total", {{"queue", "samples"}}), 3);
  EXPECT_EQ(value(c, "augur_queue_drops_total", {{"queue", "plans"}}), 4);
  EXPECT_EQ(value(c, "augur_stage_errors_total"), 5);
  EXPECT_GT(value(c, "augur_open_fds"), 2);
  // Nothing published by the analyser yet: no instance count is claimed.
  EXPECT_EQ(c.find("augur_instances", {}), nullptr);
}

TEST_F(Publisher, PublishesInstancesAndDropsVanishedOnes) {
  AnalyserSummary summary;
  summary.breaker_trips = 3;
  summary.observe.true_positives = 3;
  summary.observe.false_positives = 1;
  InstanceView web = instance("web-1", "nginx");
  Prediction p;
  p.available = true;
  p.confidence = 0.75;
  p.increase[Resource::kMemory] = 1024;
  web.prediction = p;
  web.in_episode = true;
  view_.publish({web, instance("db-1", "postgres")}, summary);
  auto c = publish();
  EXPECT_EQ(value(c, "augur_instances"), 2);
  EXPECT_EQ(value(c, "augur_drift_score", {{"instance", "web-1"}, {"app_type", "nginx"}}), 0.5);
  EXPECT_EQ(value(c, "augur_drift_threshold", {{"instance", "db-1"}}), 2);
  EXPECT_EQ(value(c, "augur_in_episode", {{"instance", "web-1"}}), 1);
  EXPECT_EQ(value(c, "augur_in_episode", {{"instance", "db-1"}}), 0);
  EXPECT_EQ(value(c, "augur_prediction_confidence", {{"instance", "web-1"}}), 0.75);
  EXPECT_EQ(value(c, "augur_predicted_increase", {{"instance", "web-1"}, {"resource", "memory"}}),
            1024);
  // Unknown values are no series, not zero.
  EXPECT_EQ(c.find("augur_predicted_increase", {{"instance", "web-1"}, {"resource", "cpu"}}),
            nullptr);
  EXPECT_EQ(c.find("augur_allocation", {{"instance", "web-1"}, {"resource", "memory"}}), nullptr);
  EXPECT_EQ(value(c, "augur_allocation", {{"instance", "web-1"}, {"resource", "cpu"}}), 2);
  EXPECT_EQ(value(c, "augur_breaker_trips_total"), 3);
  EXPECT_EQ(value(c, "augur_observe_precision"), 0.75);

  // db-1 is gone and web-1's type is now known differently: no stale series remain.
  view_.publish({instance("web-1", "varnish")}, summary);
  c = publish();
  EXPECT_EQ(value(c, "augur_instances"), 1);
  EXPECT_EQ(c.find("augur_in_episode", {{"instance", "db-1"}}), nullptr);
  EXPECT_EQ(c.find("augur_allocation", {{"instance", "db-1"}, {"resource", "cpu"}}), nullptr);
  EXPECT_EQ(c.find("augur_drift_score", {{"instance", "web-1"}, {"app_type", "nginx"}}), nullptr);
  EXPECT_EQ(value(c, "augur_drift_score", {{"instance", "web-1"}, {"app_type", "varnish"}}), 0.5);
  EXPECT_EQ(c.find("augur_predicted_increase", {{"instance", "web-1"}, {"resource", "memory"}}),
            nullptr);
}

TEST_F(Publisher, AnalyserFindingsAndTheFleetLayerWhenThereIsOne) {
  AnalyserSummary summary;
  summary.episodes_started = 4;
  summary.predictions = 3;
  summary.predictions_unavailable = 1;
  summary.contention_findings = 2;
  view_.publish({instance("web-1", "nginx")}, summary);
  auto c = publish();
  EXPECT_EQ(value(c, "augur_drift_episodes_total"), 4);
  EXPECT_EQ(value(c, "augur_predictions_total", {{"result", "made"}}), 3);
  EXPECT_EQ(value(c, "augur_predictions_total", {{"result", "unavailable"}}), 1);
  EXPECT_EQ(value(c, "augur_contention_findings_total"), 2);
  // A single host (SQLite only) has no fleet series at all, not zeros.
  EXPECT_EQ(c.find("augur_fleet_store_connected", {}), nullptr);
  EXPECT_EQ(c.find("augur_fleet_outbox_entries", {}), nullptr);

  summary.fleet = FleetSyncSummary{false, 17, 40, 6, 3, 0, "connection refused"};
  view_.publish({instance("web-1", "nginx")}, summary);
  c = publish();
  EXPECT_EQ(value(c, "augur_fleet_store_connected"), 0);
  EXPECT_EQ(value(c, "augur_fleet_outbox_entries"), 17);
  EXPECT_EQ(value(c, "augur_fleet_records_sent_total"), 40);
  EXPECT_EQ(value(c, "augur_fleet_records_pulled_total"), 6);
  EXPECT_EQ(value(c, "augur_fleet_sync_failures_total"), 3);
}

TEST_F(Publisher, CountsEachChangeOnceAsTheHistorySlides) {
  view_.publish({instance("web-1", "nginx")}, {});
  view_.record_change(change(1, "web-1", "applied"));
  view_.record_change(change(2, "web-1", "failed (will retry)"));
  auto c = publish();
  const Parsed applied{{"instance", "web-1"}, {"resource", "cpu"}, {"outcome", "applied"}};
  const Parsed failed{
      {"instance", "web-1"}, {"resource", "cpu"}, {"outcome", "failed (will retry)"}};
  EXPECT_EQ(value(c, "augur_changes_total", applied), 1);
  EXPECT_EQ(value(c, "augur_changes_total", failed), 1);
  c = publish();  // nothing new
  EXPECT_EQ(value(c, "augur_changes_total", applied), 1);

  // A whole history's worth of new changes between two publishes: every earlier entry
  // slides out, every new one is counted exactly once.
  const auto more = static_cast<std::int64_t>(DaemonView::kMaxHistory) - 2;
  for (std::int64_t i = 0; i < more; ++i) view_.record_change(change(10 + i, "web-1", "applied"));
  view_.record_change(change(10 + more, "web-1", "applied", "undo"));
  view_.record_change(change(11 + more, "web-1", "refused", "undo"));
  c = publish();
  EXPECT_EQ(value(c, "augur_changes_total", applied), 1 + more + 1);
  EXPECT_EQ(value(c, "augur_undos_total"), 1) << "a refused undo undid nothing";
  c = publish();
  EXPECT_EQ(value(c, "augur_changes_total", applied), 1 + more + 1);
}

// The sampler stage's notices (vanished threads, unreadable files) are counted per tick by
// severity, from the first tick on, however the log rate-limits them.
TEST(MeteredSampler, CountsNoticesBySeverity) {
  class NoticingStage final : public SamplerStage {
   public:
    std::uint32_t warnings = 0;
    std::uint32_t errors = 0;
    void sample(SteadyTime, SampleBatch& batch) override {
      batch.warning_notices = warnings;
      batch.error_notices = errors;
    }
  };
  metrics::MetricsRegistry registry;
  ASSERT_TRUE(metrics::define_augur_families(registry, "t"));
  NoticingStage inner;
  FakeClock clock;
  MeteredSamplerStage metered(inner, clock, registry);
  auto notices = [&](const char* severity) {
    auto check = ops_test::check_exposition(registry.exposition());
    EXPECT_TRUE(check.ok()) << check.joined_errors();
    const auto* s = check.find("augur_sampler_notices_total", {{"severity", severity}});
    return s == nullptr ? -1.0 : s->value;
  };
  SampleBatch batch;
  metered.sample(clock.now(), batch);
  EXPECT_EQ(notices("warning"), 0);
  EXPECT_EQ(notices("error"), 0);
  inner.warnings = 3;
  inner.errors = 1;
  for (int i = 0; i < 2; ++i) {
    SampleBatch b;
    metered.sample(clock.now(), b);
  }
  EXPECT_EQ(notices("warning"), 6);
  EXPECT_EQ(notices("error"), 2);
}

TEST(NewChanges, FindsWhatFollowsTheSurvivingPart) {
  const std::vector<ChangeView> a{change(1, "x", "applied"), change(2, "x", "applied"),
                                  change(3, "x", "applied")};
  EXPECT_EQ(new_changes({}, a), 3u);
  EXPECT_EQ(new_changes(a, a), 0u);
  const std::vector<ChangeView> slid{a[1], a[2], change(4, "x", "applied")};
  EXPECT_EQ(new_changes(a, slid), 1u);
  const std::vector<ChangeView> replaced{change(5, "x", "applied"), change(6, "x", "applied")};
  EXPECT_EQ(new_changes(a, replaced), 2u);
}

}  // namespace
}  // namespace augur::daemon
