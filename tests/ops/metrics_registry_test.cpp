// MetricsRegistry: definitions are validated, updates must name their family's labels
// exactly, histograms bucket inclusively, series of vanished instances can be dropped, and
// concurrent writers never tear a snapshot.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "augur/metrics/augur_families.h"
#include "augur/metrics/registry.h"
#include "exposition_checker.h"

namespace augur::metrics {
namespace {

FamilySpec gauge(std::string name, std::vector<std::string> labels = {}) {
  return FamilySpec{std::move(name), "help", MetricType::kGauge, std::move(labels), {}};
}

TEST(MetricsRegistry, RejectsInvalidDefinitions) {
  MetricsRegistry r;
  EXPECT_FALSE(r.define(gauge("9starts_with_digit")));
  EXPECT_FALSE(r.define(gauge("has-dash")));
  EXPECT_FALSE(r.define(gauge("")));
  EXPECT_FALSE(r.define(gauge("ok_name", {"bad-label"})));
  EXPECT_FALSE(r.define(gauge("ok_name", {"__reserved"})));
  EXPECT_FALSE(r.define(gauge("ok_name", {"a", "a"})));
  EXPECT_FALSE(r.define(FamilySpec{"h", "help", MetricType::kHistogram, {"le"}, {1}}));
  EXPECT_FALSE(r.define(FamilySpec{"h", "help", MetricType::kHistogram, {}, {}}));
  EXPECT_FALSE(r.define(FamilySpec{"h", "help", MetricType::kHistogram, {}, {1, 1}}));
  EXPECT_FALSE(r.define(FamilySpec{"h", "help", MetricType::kHistogram, {}, {1, INFINITY}}));
  EXPECT_FALSE(r.define(FamilySpec{"g", "help", MetricType::kGauge, {}, {1}}));
  ASSERT_TRUE(r.define(gauge("ns:ok_name", {"a"})));
  EXPECT_FALSE(r.define(gauge("ns:ok_name"))) << "a family is defined once";
}

TEST(MetricsRegistry, UpdatesMustMatchTheFamily) {
  MetricsRegistry r;
  ASSERT_TRUE(r.define(gauge("g", {"instance", "resource"})));
  ASSERT_TRUE(r.define(FamilySpec{"c_total", "help", MetricType::kCounter, {}, {}}));
  EXPECT_FALSE(r.set_gauge("undefined", {}, 1));
  EXPECT_FALSE(r.set_gauge("g", {{"instance", "a"}}, 1)) << "missing label";
  EXPECT_FALSE(r.set_gauge("g", {{"instance", "a"}, {"resource", "cpu"}, {"x", "y"}}, 1));
  EXPECT_FALSE(r.set_gauge("g", {{"instance", "a"}, {"resorce", "cpu"}}, 1)) << "typo";
  EXPECT_FALSE(r.add_counter("g", {{"instance", "a"}, {"resource", "cpu"}})) << "wrong type";
  EXPECT_FALSE(r.add_counter("c_total", {}, -1)) << "counters only go up";
  EXPECT_FALSE(r.add_counter("c_total", {}, NAN));
  EXPECT_FALSE(r.set_counter("c_total", {}, -5));
  EXPECT_TRUE(r.set_gauge("g", {{"resource", "cpu"}, {"instance", "a"}}, -2.5));
  EXPECT_TRUE(r.add_counter("c_total", {}, 2));
  EXPECT_TRUE(r.add_counter("c_total", {}));

  const MetricsSnapshot snap = r.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].spec.name, "c_total");  // sorted by name
  ASSERT_EQ(snap[0].series.size(), 1u);
  EXPECT_EQ(snap[0].series[0].value, 3);
  ASSERT_EQ(snap[1].series.size(), 1u);
  // Labels come out in the family's order, not the caller's.
  const std::vector<std::pair<std::string, std::string>> want = {{"instance", "a"},
                                                                 {"resource", "cpu"}};
  EXPECT_EQ(snap[1].series[0].labels, want);
  EXPECT_EQ(snap[1].series[0].value, -2.5);
}

TEST(MetricsRegistry, LabellessCountersAndHistogramsStartAtZeroGaugesWhenSet) {
  MetricsRegistry r;
  ASSERT_TRUE(r.define(FamilySpec{"c_total", "help", MetricType::kCounter, {}, {}}));
  ASSERT_TRUE(r.define(FamilySpec{"h_seconds", "help", MetricType::kHistogram, {}, {0.1, 1}}));
  ASSERT_TRUE(r.define(gauge("g")));
  ASSERT_TRUE(r.define(FamilySpec{"l_total", "help", MetricType::kCounter, {"queue"}, {}}));
  const auto check = ops_test::check_exposition(r.exposition());
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  ASSERT_NE(check.find("c_total", {}), nullptr);
  EXPECT_EQ(check.find("c_total", {})->value, 0);
  ASSERT_NE(check.find("h_seconds_count", {}), nullptr);
  EXPECT_EQ(check.find("g", {}), nullptr) << "an unknown gauge is not reported as 0";
  EXPECT_TRUE(check.families.contains("g")) << "its HELP and TYPE still are";
  EXPECT_TRUE(check.families.contains("l_total"));
}

TEST(MetricsRegistry, HistogramBucketsAreInclusiveAndCumulative) {
  MetricsRegistry r;
  ASSERT_TRUE(r.define(FamilySpec{"t_seconds", "help", MetricType::kHistogram, {}, {0.1, 1, 5}}));
  for (double v : {0.05, 0.1, 0.5, 1.0, 7.0, 100.0, -1.0})
    ASSERT_TRUE(r.observe("t_seconds", {}, v));
  EXPECT_FALSE(r.observe("t_seconds", {}, NAN));
  const auto check = ops_test::check_exposition(r.exposition());
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  const auto bucket = [&](const std::string& le) {
    const auto* s = check.find("t_seconds_bucket", {{"le", le}});
    return s == nullptr ? -1.0 : s->value;
  };
  EXPECT_EQ(bucket("0.1"), 3);  // -1, 0.05, 0.1 (upper bounds are inclusive)
  EXPECT_EQ(bucket("1"), 5);    // + 0.5, 1
  EXPECT_EQ(bucket("5"), 5);
  EXPECT_EQ(bucket("+Inf"), 7);
  EXPECT_EQ(check.find("t_seconds_count", {})->value, 7);
  EXPECT_DOUBLE_EQ(check.find("t_seconds_sum", {})->value, 0.05 + 0.1 + 0.5 + 1 + 7 + 100 - 1);
}

TEST(MetricsRegistry, RemovesSeriesOfVanishedInstancesAcrossFamilies) {
  MetricsRegistry r;
  ASSERT_TRUE(define_augur_families(r, "1.2.3"));
  for (const char* id : {"web-1", "db-1", "batch-1"}) {
    ASSERT_TRUE(r.set_gauge(names::kDriftScore, {{"instance", id}, {"app_type", "t"}}, 1));
    ASSERT_TRUE(r.set_gauge(names::kInEpisode, {{"instance", id}}, 0));
    ASSERT_TRUE(r.set_gauge(names::kAllocation, {{"instance", id}, {"resource", "cpu"}}, 2));
    ASSERT_TRUE(r.add_counter(names::kChanges,
                              {{"instance", id}, {"resource", "cpu"}, {"outcome", "applied"}}));
  }
  ASSERT_TRUE(r.add_counter(names::kQueueDrops, {{"queue", "samples"}}));
  EXPECT_EQ(r.remove_series_with_label("instance", "db-1"), 4u);
  EXPECT_EQ(r.remove_series_with_label("instance", "db-1"), 0u);
  EXPECT_EQ(r.retain_series_with_label("instance", {"web-1"}), 4u);  // batch-1's four

  const auto check = ops_test::check_exposition(r.exposition());
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  EXPECT_NE(check.find("augur_in_episode", {{"instance", "web-1"}}), nullptr);
  EXPECT_EQ(check.find("augur_in_episode", {{"instance", "db-1"}}), nullptr);
  EXPECT_EQ(check.find("augur_in_episode", {{"instance", "batch-1"}}), nullptr);
  EXPECT_NE(check.find("augur_queue_drops_total", {{"queue", "samples"}}), nullptr);
  ASSERT_NE(check.find("augur_build_info", {{"version", "1.2.3"}}), nullptr);
  EXPECT_EQ(check.find("augur_build_info", {{"version", "1.2.3"}})->value, 1);
}

TEST(MetricsRegistry, RemovesOneSeriesByItsExactLabels) {
  MetricsRegistry r;
  ASSERT_TRUE(define_augur_families(r, "1.2.3"));
  const Labels old_type{{"instance", "web-1"}, {"app_type", "unknown"}};
  const Labels new_type{{"instance", "web-1"}, {"app_type", "nginx"}};
  ASSERT_TRUE(r.set_gauge(names::kDriftScore, old_type, 1));
  ASSERT_TRUE(r.set_gauge(names::kDriftScore, new_type, 2));
  ASSERT_TRUE(r.set_gauge(names::kInEpisode, {{"instance", "web-1"}}, 0));
  EXPECT_TRUE(r.remove_series(names::kDriftScore, old_type));
  EXPECT_FALSE(r.remove_series(names::kDriftScore, old_type));
  EXPECT_FALSE(r.remove_series(names::kDriftScore, {{"instance", "web-1"}}));  // labels short
  EXPECT_FALSE(r.remove_series("no_such_family", {}));

  const auto check = ops_test::check_exposition(r.exposition());
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  const std::map<std::string, std::string> old_parsed(old_type.begin(), old_type.end());
  const std::map<std::string, std::string> new_parsed(new_type.begin(), new_type.end());
  EXPECT_EQ(check.find("augur_drift_score", old_parsed), nullptr);
  ASSERT_NE(check.find("augur_drift_score", new_parsed), nullptr);
  EXPECT_EQ(check.find("augur_drift_score", new_parsed)->value, 2);
  EXPECT_NE(check.find("augur_in_episode", {{"instance", "web-1"}}), nullptr);
}

TEST(MetricsRegistry, ConcurrentWritersNeverTearASnapshot) {
  MetricsRegistry r;
  ASSERT_TRUE(r.define(FamilySpec{"n_total", "help", MetricType::kCounter, {"w"}, {}}));
  ASSERT_TRUE(r.define(FamilySpec{"h_seconds", "help", MetricType::kHistogram, {}, {0.5}}));
  constexpr int kWriters = 4;
  constexpr int kEach = 5000;
  std::atomic<bool> done{false};
  std::atomic<int> bad_snapshots{0};
  std::thread reader([&] {
    while (!done.load()) {
      // Every observation adds 1 to the counter of its writer and one to the histogram,
      // under one lock each: a snapshot is still a valid exposition at every instant.
      if (!ops_test::check_exposition(r.exposition()).ok()) ++bad_snapshots;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&r, w] {
      for (int i = 0; i < kEach; ++i) {
        (void)r.add_counter("n_total", {{"w", std::to_string(w)}});
        (void)r.observe("h_seconds", {}, (i % 2) * 1.0);
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(bad_snapshots.load(), 0);
  const auto check = ops_test::check_exposition(r.exposition());
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(check.find("n_total", {{"w", std::to_string(w)}})->value, kEach);
  }
  EXPECT_EQ(check.find("h_seconds_bucket", {{"le", "0.5"}})->value, kWriters * kEach / 2);
  EXPECT_EQ(check.find("h_seconds_count", {})->value, kWriters * kEach);
}

}  // namespace
}  // namespace augur::metrics
