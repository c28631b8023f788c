#include <gtest/gtest.h>

#include "augur/trace/load.h"
#include "test_paths.h"

namespace augur::trace {
namespace {

TEST(Aggregate, AlibabaMeansAreNormalisedAggregatesWithStepFromName) {
  auto t = load_trace(test::fixture("aggregate/alibaba2018_small_grouped_30_seconds.csv"),
                      TraceFormat::kAggregate);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  ASSERT_EQ(t->instances.size(), 1u);
  const auto& a = t->instances[0];
  EXPECT_TRUE(a.aggregate);
  EXPECT_EQ(a.step, std::chrono::seconds(30));
  EXPECT_EQ(a.timestamps_s, (std::vector<std::int64_t>{0, 30}));
  EXPECT_DOUBLE_EQ(a.value(1, Metric::kCpuUsageCores), 0.20);
  EXPECT_DOUBLE_EQ(a.value(0, Metric::kMemoryBytes), 0.80);
  EXPECT_DOUBLE_EQ(a.value(0, Metric::kDiskReadBytes), 0.05);
  EXPECT_TRUE(a.normalised.test(static_cast<std::size_t>(Metric::kCpuUsageCores)));
  EXPECT_EQ(t->report.dropped_rows.at("wrong number of fields"), 1u);
}

TEST(Aggregate, GoogleKeepsAssignedMemoryAsCapacityAndCpiAsExtra) {
  auto t = load_trace(test::fixture("aggregate/google2019_small.csv"), TraceFormat::kAggregate);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  const auto& g = t->instances[0];
  EXPECT_EQ(g.step, std::chrono::seconds(300));
  EXPECT_DOUBLE_EQ(g.capacity_at(1)[Resource::kMemory], 0.62);
  ASSERT_EQ(g.extra_names, (std::vector<std::string>{"cycles_per_instruction"}));
  EXPECT_DOUBLE_EQ(g.extra[0][1], 160.0);
}

TEST(Aggregate, AzureCpuPercentCoresBecomeCoresAndBadRowsCount) {
  auto t = load_trace(test::fixture("aggregate/azure2019_small.csv"), TraceFormat::kAggregate);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  const auto& z = t->instances[0];
  EXPECT_EQ(z.timestamps_s, (std::vector<std::int64_t>{0, 300}));
  EXPECT_DOUBLE_EQ(z.value(0, Metric::kCpuUsageCores), 2.5);
  EXPECT_FALSE(z.has(Metric::kMemoryBytes));
  EXPECT_DOUBLE_EQ(z.capacity_at(1)[Resource::kMemory], 3.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(t->report.dropped_rows.at("bad number"), 1u);  // "nan"
}

TEST(Aggregate, FolderLoadsEveryCsvAsOneAggregate) {
  auto t = load_trace(test::fixture("aggregate"), TraceFormat::kAggregate);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->instances.size(), 3u);
  for (const auto& i : t->instances) EXPECT_TRUE(i.aggregate);
}

TEST(Aggregate, AStepLongerThanAYearInTheNameFallsBackTo300s) {
  const std::string text =
      "cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent\n"
      "10,80,30,20,5\n20,70,40,30,6\n";
  auto t = parse_aggregate(text, "x_grouped_9223372036854775807_seconds.csv");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->instances[0].step, std::chrono::seconds(300));
}

TEST(Aggregate, AzureTimestampsBeyondAnyTraceAreBadRows) {
  auto t = parse_aggregate(
      "timestamp,cpu_usage,assigned_mem\n0,250,2\n300,300,3\n"
      "1000000000001,300,3\n",
      "azure.csv");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->report.dropped_rows.at("bad timestamp"), 1u);
}

TEST(Aggregate, UnknownHeaderIsAnError) {
  EXPECT_FALSE(parse_aggregate("a,b\n1,2\n", "x.csv").has_value());
}

}  // namespace
}  // namespace augur::trace
