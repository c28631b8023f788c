#include <gtest/gtest.h>

#include <cmath>

#include "augur/trace/load.h"
#include "test_paths.h"

namespace augur::trace {
namespace {

void expect_mixed(const Trace& t) {
  EXPECT_EQ(t.report.rows_read, 9u);
  EXPECT_EQ(t.report.rows_used, 5u);
  EXPECT_EQ(t.report.duplicate_rows, 1u);
  EXPECT_EQ(t.report.dropped_rows.at("bad number"), 1u);
  EXPECT_EQ(t.report.dropped_rows.at("bad timestamp"), 1u);
  EXPECT_EQ(t.report.dropped_rows.at("wrong number of fields"), 1u);
  EXPECT_EQ(t.report.dropped_rows.at("duplicate timestamp"), 1u);
  EXPECT_EQ(t.report.dropped_total(), 4u);
  ASSERT_EQ(t.instances.size(), 2u);
  const auto& web = t.instances[0];
  EXPECT_EQ(web.id, "web-1");
  EXPECT_EQ(web.app_type, "web");
  EXPECT_EQ(web.step, std::chrono::seconds(60));
  ASSERT_EQ(web.rows(), 3u);
  EXPECT_EQ(web.timestamps_s, (std::vector<std::int64_t>{0, 60, 120}));
  EXPECT_DOUBLE_EQ(web.value(1, Metric::kCpuUsageCores), 0.75);  // first of the duplicates
  EXPECT_TRUE(std::isnan(web.value(1, Metric::kMemoryBytes)));   // empty cell: masked
  EXPECT_TRUE(std::isnan(web.value(0, Metric::kDiskReadBytes)));
  EXPECT_FALSE(web.has(Metric::kNetRxBytes));  // not in the header: masked, not zero
  EXPECT_TRUE(std::isnan(web.resource_demand(0)[Resource::kNetwork]));
  EXPECT_DOUBLE_EQ(web.resource_demand(2)[Resource::kDisk], 10.0);
  EXPECT_DOUBLE_EQ(web.capacity_at(0)[Resource::kCpu], 2.0);
  EXPECT_FALSE(web.capacity_at(0).known(Resource::kMemory));
  const auto& db = t.instances[1];
  EXPECT_EQ(db.id, "db-1");
  EXPECT_EQ(db.app_type, "db");
  EXPECT_EQ(db.step, std::chrono::seconds(120));
  EXPECT_EQ(db.timestamps_s, (std::vector<std::int64_t>{0, 120}));
  EXPECT_FALSE(db.aggregate);
}

TEST(AugurCsv, ReadsInterleavedInstancesAndCountsBadRows) {
  auto t = load_trace(test::fixture("augur/mixed.csv"), TraceFormat::kAugurCsv);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  expect_mixed(*t);
}

TEST(AugurCsv, ReadsGzipCompressedFileTheSame) {
  auto t = load_trace(test::fixture("augur/mixed.csv.gz"), TraceFormat::kAugurCsv);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  expect_mixed(*t);
}

TEST(AugurCsv, RejectsUnknownColumnNamingIt) {
  auto t = parse_augur_csv("timestamp,instance,app_type,cpu_usage_cores,bogus\n", "x.csv");
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message().find("bogus"), std::string::npos);
  EXPECT_NE(t.error().message().find("x.csv:1"), std::string::npos);
}

TEST(AugurCsv, RejectsWrongLeadingColumnsAndRepeatedColumns) {
  EXPECT_FALSE(parse_augur_csv("time,instance,app_type\n0,a,\n", "x").has_value());
  EXPECT_FALSE(
      parse_augur_csv("timestamp,instance,app_type,memory_bytes,memory_bytes\n", "x").has_value());
}

TEST(AugurCsv, FolderWithTheSameInstanceInTwoFilesIsAnError) {
  auto t = load_trace(test::fixture("augur"), TraceFormat::kAugurCsv);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message().find("web-1"), std::string::npos);
}

}  // namespace
}  // namespace augur::trace
