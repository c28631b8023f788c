#include <gtest/gtest.h>

#include <cmath>

#include "augur/trace/load.h"
#include "test_paths.h"

namespace augur::trace {
namespace {

class AlibabaFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = load_trace(test::fixture("alibaba"), TraceFormat::kAlibabaMachine);
    ASSERT_TRUE(t.has_value()) << t.error().message();
    trace_ = std::move(*t);
  }
  const TraceInstance& instance(const std::string& id) {
    for (const auto& i : trace_.instances) {
      if (i.id == id) return i;
    }
    ADD_FAILURE() << "no instance " << id;
    return trace_.instances.front();
  }
  Trace trace_;
};

TEST_F(AlibabaFixture, ResamplesTo60sCarryingLastObservationForward) {
  const auto& m1 = instance("m_1");
  EXPECT_EQ(m1.step, std::chrono::seconds(60));
  ASSERT_EQ(m1.timestamps_s, (std::vector<std::int64_t>{0, 60}));
  // cpu_num 96 from machine_meta: 50 % -> 48 cores; at t=60 the t=30 row (60 %) holds.
  EXPECT_DOUBLE_EQ(m1.value(0, Metric::kCpuUsageCores), 48.0);
  EXPECT_DOUBLE_EQ(m1.value(1, Metric::kCpuUsageCores), 57.6);
  // memory: 80 % of a machine with mem_size 50 (% of the largest) -> 0.4, normalised.
  EXPECT_DOUBLE_EQ(m1.value(0, Metric::kMemoryBytes), 0.4);
  EXPECT_TRUE(m1.normalised.test(static_cast<std::size_t>(Metric::kMemoryBytes)));
  EXPECT_FALSE(m1.normalised.test(static_cast<std::size_t>(Metric::kCpuUsageCores)));
  EXPECT_DOUBLE_EQ(m1.value(0, Metric::kDiskReadBytes), 0.05);
  EXPECT_TRUE(std::isnan(m1.value(1, Metric::kDiskReadBytes)));  // -1 carried as masked
  EXPECT_DOUBLE_EQ(m1.value(0, Metric::kNetRxBytes), 0.10);
  EXPECT_DOUBLE_EQ(m1.value(0, Metric::kNetTxBytes), 0.20);
  EXPECT_FALSE(m1.has(Metric::kDiskWriteBytes));
  EXPECT_DOUBLE_EQ(m1.capacity_at(0)[Resource::kCpu], 96.0);
  EXPECT_DOUBLE_EQ(m1.capacity_at(0)[Resource::kMemory], 0.5);
  ASSERT_EQ(m1.extra_names, (std::vector<std::string>{"mem_gps", "mkpi"}));
  EXPECT_TRUE(std::isnan(m1.extra[0][0]));
}

TEST_F(AlibabaFixture, GapLongerThanFiveStepsStartsANewSeries) {
  const auto& seg2 = instance("m_1#2");
  ASSERT_EQ(seg2.timestamps_s, (std::vector<std::int64_t>{1020, 1080}));
  EXPECT_DOUBLE_EQ(seg2.value(0, Metric::kCpuUsageCores), 38.4);  // 40 % of 96
  EXPECT_DOUBLE_EQ(seg2.value(1, Metric::kCpuUsageCores), 38.4);
  // The meta row of t=500 (mem_size 60) is in force at t=1000.
  EXPECT_DOUBLE_EQ(seg2.capacity_at(0)[Resource::kMemory], 0.6);
  EXPECT_DOUBLE_EQ(seg2.value(0, Metric::kMemoryBytes), 0.48);
  EXPECT_EQ(trace_.report.series_splits, 1u);
}

TEST_F(AlibabaFixture, MachineWithoutMetaKeepsCpuAsAFraction) {
  const auto& m2 = instance("m_2");
  ASSERT_EQ(m2.timestamps_s, (std::vector<std::int64_t>{120}));
  EXPECT_DOUBLE_EQ(m2.value(0, Metric::kCpuUsageCores), 0.10);  // the t=65 row
  EXPECT_TRUE(m2.normalised.test(static_cast<std::size_t>(Metric::kCpuUsageCores)));
  EXPECT_FALSE(m2.capacity_at(0).known(Resource::kCpu));
}

TEST_F(AlibabaFixture, CountsSentinelsDuplicatesAndBadRows) {
  const auto& r = trace_.report;
  EXPECT_EQ(trace_.instances.size(), 3u);
  EXPECT_EQ(r.rows_read, 11u);
  EXPECT_EQ(r.rows_used, 7u);
  EXPECT_EQ(r.masked_values.at("disk_io_percent outside [0,100] (-1/101 invalid)"), 2u);
  EXPECT_EQ(r.duplicate_rows, 1u);
  EXPECT_EQ(r.dropped_rows.at("duplicate timestamp"), 1u);
  EXPECT_EQ(r.dropped_rows.at("bad number"), 1u);
  EXPECT_EQ(r.dropped_rows.at("wrong number of fields"), 1u);
  EXPECT_EQ(r.dropped_rows.at("series shorter than one resampling step"), 1u);
  EXPECT_EQ(r.dropped_rows.at("machine_meta: bad row"), 1u);
}

TEST(Alibaba, RejectsNonPositiveStep) {
  AlibabaOptions o;
  o.step = std::chrono::seconds(0);
  EXPECT_FALSE(parse_alibaba_machine("m_1,0,1,1,,,1,1,1\n", "", "x", o).has_value());
}

// fuzz_trace: a timestamp near int64's max / 60 overflowed when rounded up to the step.
TEST(Alibaba, TimestampsBeyondAnyTraceAreBadRows) {
  const std::string usage =
      "m_1,153722867280912931,50,80,,,10,20,5\n"
      "m_1,-60,50,80,,,10,20,5\n"
      "m_1,0,50,80,,,10,20,5\n"
      "m_1,60,50,80,,,10,20,5\n";
  auto t = parse_alibaba_machine(usage, "", "big.csv");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->report.dropped_rows.at("bad timestamp"), 2u);
  ASSERT_EQ(t->instances.size(), 1u);
  EXPECT_EQ(t->instances[0].timestamps_s, (std::vector<std::int64_t>{0, 60}));
}

TEST(Alibaba, RejectsAStepWhoseGapOverflows) {
  AlibabaOptions o;
  o.step = std::chrono::seconds(kMaxTimestampS);
  o.max_gap_steps = 5;
  EXPECT_FALSE(parse_alibaba_machine("m_1,0,1,1,,,1,1,1\n", "", "x", o).has_value());
}

}  // namespace
}  // namespace augur::trace
