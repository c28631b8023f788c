#include "augur/sampling/perf/group_read.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace augur::sampling {
namespace {

std::vector<std::byte> bytes_of(const std::vector<std::uint64_t>& words) {
  std::vector<std::byte> out(words.size() * sizeof(std::uint64_t));
  std::memcpy(out.data(), words.data(), out.size());
  return out;
}

TEST(GroupRead, ParsesValuesIdsAndTimes) {
  // nr, enabled, running, {value, id} x 3
  const auto buf = bytes_of({3, 1000, 1000, 11, 101, 22, 102, 33, 103});
  auto r = parse_group_read(buf, 3);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->time_enabled_ns, 1000u);
  EXPECT_EQ(r->time_running_ns, 1000u);
  EXPECT_EQ(r->values, (std::vector<std::uint64_t>{11, 22, 33}));
  EXPECT_EQ(r->ids, (std::vector<std::uint64_t>{101, 102, 103}));
  EXPECT_TRUE(r->has_data());
  EXPECT_DOUBLE_EQ(r->multiplex_ratio(), 1.0);
  EXPECT_DOUBLE_EQ(*r->scaled(1), 22.0);
}

TEST(GroupRead, ScalesMultiplexedValuesByEnabledOverRunning) {
  const auto buf = bytes_of({2, 4000, 1000, 250, 7, 10, 8});
  auto r = parse_group_read(buf, 2);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(*r->scaled(0), 1000.0);
  EXPECT_DOUBLE_EQ(*r->scaled(1), 40.0);
  EXPECT_DOUBLE_EQ(r->multiplex_ratio(), 0.25);
}

TEST(GroupRead, TreatsZeroRunningTimeAsNoDataNotZero) {
  const auto buf = bytes_of({1, 5000, 0, 0, 9});
  auto r = parse_group_read(buf, 1);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_data());
  EXPECT_FALSE(r->scaled(0).has_value());
  EXPECT_DOUBLE_EQ(r->multiplex_ratio(), 0.0);
}

TEST(GroupRead, GroupNeverEnabledCountsExactZeros) {
  // A thread that has not run since the open: nothing enabled, nothing counted.
  const auto buf = bytes_of({1, 0, 0, 0, 9});
  auto r = parse_group_read(buf, 1);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has_data());
  EXPECT_EQ(r->scaled(0), std::optional<double>(0.0));
  EXPECT_DOUBLE_EQ(r->multiplex_ratio(), 1.0);
}

TEST(GroupRead, RejectsShortBuffer) {
  auto buf = bytes_of({2, 10, 10, 1, 1, 2, 2});
  buf.resize(buf.size() - 3);
  auto r = parse_group_read(buf, 2);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what.find("expected 56"), std::string::npos) << r.error().what;
}

TEST(GroupRead, RejectsEmptyAndOverlongBuffers) {
  EXPECT_FALSE(parse_group_read({}, 1));
  EXPECT_FALSE(parse_group_read(bytes_of({1, 10, 10, 5, 1, 99}), 1));
}

TEST(GroupRead, RejectsMemberCountOtherThanExpected) {
  auto r = parse_group_read(bytes_of({7, 10, 10, 1, 1, 2, 2}), 2);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what.find("holds 7 events"), std::string::npos) << r.error().what;
}

TEST(GroupRead, RejectsRunningLongerThanEnabled) {
  EXPECT_FALSE(parse_group_read(bytes_of({1, 10, 11, 1, 1}), 1));
}

TEST(GroupRead, NeverCrashesOnGarbage) {
  std::vector<std::byte> buf;
  for (std::size_t n = 0; n < 80; ++n) {
    buf.push_back(static_cast<std::byte>((n * 37 + 11) & 0xff));
    for (std::size_t events = 0; events < 4; ++events) {
      auto r = parse_group_read(buf, events);
      if (r) {
        EXPECT_EQ(buf.size(), group_read_size(events));
      }
    }
  }
}

TEST(GroupRead, ReusesCallerReading) {
  GroupReading reading;
  ASSERT_TRUE(parse_group_read_into(bytes_of({2, 9, 9, 1, 1, 2, 2}), 2, reading));
  ASSERT_TRUE(parse_group_read_into(bytes_of({1, 8, 4, 5, 3}), 1, reading));
  EXPECT_EQ(reading.values.size(), 1u);
  EXPECT_DOUBLE_EQ(*reading.scaled(0), 10.0);
}

}  // namespace
}  // namespace augur::sampling
