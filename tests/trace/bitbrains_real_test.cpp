// The real Bitbrains Rnd files the drift tests use: each month folder loaded once.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "augur/trace/load.h"
#include "test_paths.h"

namespace augur::trace {
namespace {

class RealBitbrains : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    months_ = new std::map<std::string, Trace>;
    for (const char* month : {"2013-7", "2013-8", "2013-9"}) {
      auto t = load_trace(test::shared_data(std::string("bitbrains_rnd/") + month),
                          TraceFormat::kBitbrains);
      ASSERT_TRUE(t.has_value()) << t.error().message();
      months_->emplace(month, std::move(*t));
    }
  }
  static void TearDownTestSuite() {
    delete months_;
    months_ = nullptr;
  }
  static const TraceInstance& vm(const std::string& month, const std::string& id) {
    for (const auto& i : months_->at(month).instances) {
      if (i.id == id) return i;
    }
    throw std::runtime_error("no VM " + id + " in " + month);
  }
  // Mean CPU usage as a percentage of the provisioned cores.
  static double mean_cpu_percent(const TraceInstance& i) {
    double sum = 0;
    for (std::size_t r = 0; r < i.rows(); ++r) {
      sum += i.value(r, Metric::kCpuUsageCores) / i.capacity_at(r)[Resource::kCpu];
    }
    return 100.0 * sum / static_cast<double>(i.rows());
  }
  static std::map<std::string, Trace>* months_;
};
std::map<std::string, Trace>* RealBitbrains::months_ = nullptr;

TEST_F(RealBitbrains, ReadsEveryFileWithTheRowCountsOfSources) {
  std::size_t rows_read = 0;
  std::size_t files = 0;
  for (const auto& [month, t] : *months_) {
    rows_read += t.report.rows_read;
    files += t.instances.size();
    EXPECT_EQ(t.report.rows_used + t.report.dropped_total(), t.report.rows_read) << month;
    EXPECT_TRUE(t.report.skipped_files.empty()) << month;
    for (const auto& i : t.instances) {
      EXPECT_EQ(i.step, std::chrono::seconds(300)) << month << "/" << i.id;
      EXPECT_TRUE(i.normalised.none());
      EXPECT_FALSE(i.aggregate);
    }
  }
  EXPECT_EQ(files, 20u);
  EXPECT_EQ(rows_read, 171353u);  // SOURCES.md total
}

TEST_F(RealBitbrains, DeduplicatesVm41OfSeptemberOnTimestamp) {
  // SOURCES.md: 11,942 rows, 10,116 distinct timestamps.
  const auto& t = months_->at("2013-9");
  EXPECT_EQ(vm("2013-9", "41").rows(), 10116u);
  EXPECT_EQ(t.report.duplicate_rows, 11942u - 10116u);
  // Its last 5,443 rows say 0 cores / 0 MHz (awk: $2 <= 0): CPU masked, rows kept.
  EXPECT_EQ(t.report.masked_values.at("zero CPU cores or capacity: CPU masked"), 5443u);
  const auto& v41 = vm("2013-9", "41");
  EXPECT_TRUE(std::isnan(v41.value(v41.rows() - 1, Metric::kCpuUsageCores)));
  EXPECT_FALSE(std::isnan(v41.value(v41.rows() - 1, Metric::kMemoryBytes)));
}

TEST_F(RealBitbrains, ConvertedCpuMatchesThePublishedMeans) {
  // SOURCES.md CPU % means: VM 1 11.6 -> 2.5 -> 1.5; VM 306 55.6; VM 407 69.7.
  EXPECT_NEAR(mean_cpu_percent(vm("2013-7", "1")), 11.6, 0.1);
  EXPECT_NEAR(mean_cpu_percent(vm("2013-8", "1")), 2.5, 0.1);
  EXPECT_NEAR(mean_cpu_percent(vm("2013-9", "1")), 1.5, 0.1);
  EXPECT_NEAR(mean_cpu_percent(vm("2013-7", "306")), 55.6, 0.1);
  EXPECT_NEAR(mean_cpu_percent(vm("2013-7", "407")), 69.7, 0.1);
  EXPECT_DOUBLE_EQ(vm("2013-7", "1").capacity_at(0)[Resource::kCpu], 2.0);
  EXPECT_NEAR(vm("2013-7", "1").capacity_at(0)[Resource::kMemory] / (1 << 30), 7.8, 0.05);
}

}  // namespace
}  // namespace augur::trace
