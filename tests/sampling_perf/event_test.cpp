#include "augur/sampling/perf/event.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace augur::sampling {
namespace {

struct Expected {
  const char* name;
  Metric metric;
  bool hardware;
};

TEST(EncodeEvent, EncodesTheDefaultNamesThroughLibpfmGenericPmu) {
  // libpfm4's "perf" PMU is always present (it needs no hardware PMU), so encoding works
  // on this machine even though opening hardware events does not.
  const Expected kExpected[] = {
      {"cycles", Metric::kCycles, true},
      {"instructions", Metric::kInstructions, true},
      {"cache-references", Metric::kCacheReferences, true},
      {"cache-misses", Metric::kCacheMisses, true},
      {"branch-instructions", Metric::kBranchInstructions, true},
      {"branch-misses", Metric::kBranchMisses, true},
      {"task-clock", Metric::kTaskClockCores, false},
      {"context-switches", Metric::kContextSwitches, false},
      {"cpu-migrations", Metric::kCpuMigrations, false},
      {"page-faults", Metric::kPageFaults, false},
  };
  const auto names = default_event_names();
  ASSERT_EQ(names.size(), std::size(kExpected));
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(names[i], kExpected[i].name);
    auto ev = encode_event(kExpected[i].name);
    ASSERT_TRUE(ev) << ev.error().message();
    EXPECT_EQ(ev->metric, kExpected[i].metric) << kExpected[i].name;
    EXPECT_EQ(ev->hardware, kExpected[i].hardware) << kExpected[i].name;
    EXPECT_EQ(ev->canonical.rfind("perf::PERF_COUNT_", 0), 0u) << ev->canonical;
    EXPECT_FALSE(ev->exclude_kernel)
        << "software events such as context-switches count in the kernel";
  }
}

TEST(EncodeEvent, HardwareNamesEncodeToGenericHardwareConfigs) {
  auto ev = encode_event("branch-misses");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, 0u);    // PERF_TYPE_HARDWARE
  EXPECT_EQ(ev->config, 5u);  // PERF_COUNT_HW_BRANCH_MISSES
}

TEST(EncodeEvent, AcceptsLibpfmSpellingsOfSoftwareEvents) {
  auto a = encode_event("perf::TASK-CLOCK");
  auto b = encode_event("task-clock");
  auto c = encode_event("PERF_COUNT_SW_TASK_CLOCK");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->type, 1u);  // PERF_TYPE_SOFTWARE
  EXPECT_EQ(a->config, b->config);
  EXPECT_EQ(b->config, c->config);
  EXPECT_EQ(c->metric, Metric::kTaskClockCores);
}

TEST(EncodeEvent, UnknownNameNamesTheEventAndLibpfmsMessage) {
  auto ev = encode_event("no-such-event");
  ASSERT_FALSE(ev);
  EXPECT_NE(ev.error().what.find("'no-such-event'"), std::string::npos) << ev.error().what;
  EXPECT_NE(ev.error().what.find("event not found"), std::string::npos) << ev.error().what;
  EXPECT_EQ(ev.error().where, "pfm_get_os_event_encoding");
}

TEST(EncodeEvent, CpuSpecificEventMustNameItsMetric) {
  // A raw PMU event has no generic meaning.
  auto bare = encode_event("perf_raw::r00c0");
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().what.find("say which metric"), std::string::npos);
  auto named = encode_event("perf_raw::r00c0", Metric::kInstructions);
  ASSERT_TRUE(named) << named.error().message();
  EXPECT_EQ(named->metric, Metric::kInstructions);
  EXPECT_TRUE(named->hardware);
}

TEST(EncodeEvent, RejectsANonCounterMetric) {
  EXPECT_FALSE(encode_event("cycles", Metric::kMemoryBytes));
}

TEST(EncodeEvents, RejectsTwoEventsFeedingOneMetric) {
  const std::vector<std::string> names = {"task-clock", "perf::TASK-CLOCK"};
  auto r = encode_events(names);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what.find("task_clock_cores"), std::string::npos) << r.error().what;
}

TEST(EncodeEvent, IsSafeFromManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ok += encode_event("page-faults").has_value() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace augur::sampling
