// Every adapter reads every file of ../shared/data (Bitbrains in bitbrains_real_test.cpp).
#include "augur/trace/load.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "test_paths.h"

namespace augur::trace {
namespace {

TEST(TraceFormatNames, RoundTrip) {
  for (auto f : {TraceFormat::kAugurCsv, TraceFormat::kBitbrains, TraceFormat::kAlibabaMachine,
                 TraceFormat::kAggregate}) {
    EXPECT_EQ(format_from_name(format_name(f)), f);
  }
  EXPECT_FALSE(format_from_name("csv").has_value());
}

TEST(LoadTrace, MissingPathIsAnErrorNamingIt) {
  auto t = load_trace("/nonexistent/trace.csv", TraceFormat::kAugurCsv);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message().find("/nonexistent/trace.csv"), std::string::npos);
}

TEST(RealAlibabaMachine, ReadsAll16MachinesResampledWithSentinelsMasked) {
  auto t = load_trace(test::shared_data("alibaba2018_machine"), TraceFormat::kAlibabaMachine);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  const auto& r = t->report;
  EXPECT_EQ(r.rows_read, 100002u);  // SOURCES.md: the first 100,002 lines
  EXPECT_EQ(r.rows_used + r.dropped_total(), r.rows_read);
  // The 16 disk_io_percent sentinels counted by awk over the file ($9 == -1 || $9 == 101).
  EXPECT_EQ(r.masked_values.at("disk_io_percent outside [0,100] (-1/101 invalid)"), 16u);
  std::set<std::string> machines;
  for (const auto& i : t->instances) {
    machines.insert(i.id.substr(0, i.id.find('#')));
    EXPECT_EQ(i.step, std::chrono::seconds(60)) << i.id;
    EXPECT_DOUBLE_EQ(i.capacity_at(0)[Resource::kCpu], 96.0) << i.id;  // cpu_num in meta
    EXPECT_FALSE(i.aggregate);
    for (std::size_t k = 1; k < i.rows(); ++k) {
      ASSERT_EQ(i.timestamps_s[k] - i.timestamps_s[k - 1], 60) << i.id;
    }
  }
  EXPECT_EQ(machines.size(), 16u);
  EXPECT_TRUE(machines.count("m_1932") && machines.count("m_1947"));
}

struct AggregateCase {
  const char* file;
  std::size_t rows;
  std::int64_t step_s;
};

TEST(RealAggregates, ReadEveryFileWithTheRowCountsOfSources) {
  // Rows and steps from dctraces_agg/SOURCES.md.
  const AggregateCase cases[] = {
      {"google2019_instance_usage_grouped_300_seconds_month.csv", 8064, 300},
      {"alibaba2018_machine_usage_days_1_to_8_grouped_300_seconds.csv", 2243, 300},
      {"alibaba2018_machine_usage_days_1_to_8_grouped_30_seconds.csv", 22415, 30},
      {"azure2019_vm_cpu_readings_month_aggregated_cpu_mem.csv", 8640, 300},
  };
  for (const auto& c : cases) {
    auto t = load_trace(test::shared_data(std::string("dctraces_agg/") + c.file),
                        TraceFormat::kAggregate);
    ASSERT_TRUE(t.has_value()) << t.error().message();
    ASSERT_EQ(t->instances.size(), 1u);
    const auto& a = t->instances[0];
    EXPECT_TRUE(a.aggregate);
    EXPECT_EQ(a.rows(), c.rows) << c.file;
    EXPECT_EQ(t->report.rows_read, c.rows) << c.file;
    EXPECT_EQ(t->report.dropped_total(), 0u) << c.file;
    EXPECT_EQ(a.step, std::chrono::seconds(c.step_s)) << c.file;
    EXPECT_FALSE(std::isnan(a.value(a.rows() - 1, Metric::kCpuUsageCores))) << c.file;
  }
}

}  // namespace
}  // namespace augur::trace
