#include <gtest/gtest.h>

#include <cmath>

#include "augur/trace/load.h"
#include "test_paths.h"

namespace augur::trace {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

TEST(Bitbrains, ConvertsUnitsOnHandComputedRows) {
  auto t = load_trace(test::fixture("bitbrains/7.csv"), TraceFormat::kBitbrains);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  ASSERT_EQ(t->instances.size(), 1u);
  const auto& vm = t->instances[0];
  EXPECT_EQ(vm.id, "7");
  EXPECT_TRUE(vm.app_type.empty());
  ASSERT_EQ(vm.rows(), 5u);
  // Out-of-order row 1372629504 sorted first.
  EXPECT_EQ(vm.timestamps_s, (std::vector<std::int64_t>{1372629504, 1372629804, 1372630104,
                                                        1372631304, 1372631604}));
  // 0 cores: CPU and its capacity masked, memory kept.
  EXPECT_TRUE(std::isnan(vm.value(3, Metric::kCpuUsageCores)));
  EXPECT_FALSE(vm.capacity_at(3).known(Resource::kCpu));
  EXPECT_DOUBLE_EQ(vm.value(3, Metric::kMemoryBytes), 2.0 * kGiB);
  // 585.2 MHz at 5852 MHz over 2 cores: 2926 MHz per core, so 0.2 cores.
  EXPECT_NEAR(vm.value(1, Metric::kCpuUsageCores), 0.2, 1e-12);
  EXPECT_NEAR(vm.value(2, Metric::kCpuUsageCores), 1.0, 1e-12);
  EXPECT_NEAR(vm.value(4, Metric::kCpuUsageCores), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(vm.value(1, Metric::kMemoryBytes), 1.0 * kGiB);   // 1048576 KB
  EXPECT_DOUBLE_EQ(vm.value(4, Metric::kMemoryBytes), 24.0 * kGiB);  // 2.5165824E7 KB
  EXPECT_DOUBLE_EQ(vm.value(1, Metric::kDiskReadBytes), 102400.0);   // 100 KB/s
  EXPECT_DOUBLE_EQ(vm.value(1, Metric::kDiskWriteBytes), 51200.0);   // 50 KB/s
  EXPECT_DOUBLE_EQ(vm.value(1, Metric::kNetRxBytes), 2048.0);
  EXPECT_DOUBLE_EQ(vm.value(1, Metric::kNetTxBytes), 1024.0);
  EXPECT_DOUBLE_EQ(vm.resource_demand(1)[Resource::kDisk], 153600.0);
  EXPECT_DOUBLE_EQ(vm.resource_demand(1)[Resource::kNetwork], 3072.0);
  EXPECT_DOUBLE_EQ(vm.capacity_at(0)[Resource::kCpu], 2.0);
  EXPECT_DOUBLE_EQ(vm.capacity_at(0)[Resource::kMemory], 8.0 * kGiB);  // 8388608 KB
  EXPECT_FALSE(vm.capacity_at(0).known(Resource::kDisk));
  EXPECT_FALSE(vm.capacity_at(0).known(Resource::kNetwork));
  EXPECT_TRUE(vm.normalised.none());
  EXPECT_EQ(vm.step, std::chrono::seconds(300));
}

TEST(Bitbrains, CountsDuplicatesAndMalformedRowsPerReason) {
  auto t = load_trace(test::fixture("bitbrains/7.csv"), TraceFormat::kBitbrains);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  const auto& r = t->report;
  EXPECT_EQ(r.rows_read, 9u);
  EXPECT_EQ(r.rows_used, 5u);
  EXPECT_EQ(r.duplicate_rows, 1u);
  EXPECT_EQ(r.dropped_rows.at("duplicate timestamp"), 1u);
  EXPECT_EQ(r.dropped_rows.at("bad number"), 1u);
  EXPECT_EQ(r.dropped_rows.at("wrong number of fields"), 1u);
  EXPECT_EQ(r.dropped_rows.at("negative value"), 1u);
  EXPECT_EQ(r.masked_values.at("zero CPU cores or capacity: CPU masked"), 1u);
  EXPECT_EQ(r.dropped_total(), 4u);
  EXPECT_EQ(r.dropped_total() + r.rows_used, r.rows_read);
  ASSERT_FALSE(r.examples.empty());
  EXPECT_NE(r.examples[0].find("7.csv:"), std::string::npos);
}

TEST(Bitbrains, TimestampBeyondInt64IsABadRowNotUndefinedBehaviour) {
  // Found by fuzz_trace under UBSan: a double timestamp cast to int64 out of range.
  const std::string text =
      "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\t"
      "CPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\t"
      "Disk read throughput [KB/s];\tDisk write throughput [KB/s];\t"
      "Network received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n"
      "1.37263E109;\t2;\t5852.0;\t585.2;\t10.0;\t8388608.0;\t1048576.0;\t1;\t1;\t1;\t1\n"
      "-9.3E18;\t2;\t5852.0;\t585.2;\t10.0;\t8388608.0;\t1048576.0;\t1;\t1;\t1;\t1\n"
      // Within int64 but past kMaxTimestampS (year ~33 700): as bad.
      "2000000000000;\t2;\t5852.0;\t585.2;\t10.0;\t8388608.0;\t1048576.0;\t1;\t1;\t1;\t1\n"
      "1372629804;\t2;\t5852.0;\t585.2;\t10.0;\t8388608.0;\t1048576.0;\t1;\t1;\t1;\t1\n";
  auto t = parse_bitbrains(text, "vm", "huge.csv");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->report.rows_used, 1u);
  EXPECT_EQ(t->report.dropped_rows.at("bad timestamp"), 3u);
}

TEST(Bitbrains, FolderLoadSkipsEmptyAndForeignFilesWithReasons) {
  auto t = load_trace(test::fixture("bitbrains"), TraceFormat::kBitbrains);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  ASSERT_EQ(t->instances.size(), 1u);
  EXPECT_EQ(t->instances[0].id, "7");
  ASSERT_EQ(t->report.skipped_files.size(), 2u);
  EXPECT_NE(t->report.skipped_files[0].find("empty.csv"), std::string::npos);
  EXPECT_NE(t->report.skipped_files[0].find("empty"), std::string::npos);
  EXPECT_NE(t->report.skipped_files[1].find("notes.txt"), std::string::npos);
  EXPECT_EQ(t->report.rows_read, 9u);
}

TEST(Bitbrains, EmptyFileAloneIsAnErrorNamingIt) {
  auto t = load_trace(test::fixture("bitbrains/empty.csv"), TraceFormat::kBitbrains);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message().find("empty.csv"), std::string::npos);
}

TEST(Bitbrains, HeaderOnlyFileHasNoUsableRows) {
  auto t =
      parse_bitbrains("Timestamp [ms];\ta;\tb;\tc;\td;\te;\tf;\tg;\th;\ti;\tj\n", "1", "1.csv");
  EXPECT_FALSE(t.has_value());
}

}  // namespace
}  // namespace augur::trace
