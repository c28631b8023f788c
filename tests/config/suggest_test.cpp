// "Did you mean": edit distance and the choice of a suggestion.
#include "suggest.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace augur::config::detail {
namespace {

using std::string_view_literals::operator""sv;

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("interval", "interval"), 0U);
  EXPECT_EQ(edit_distance("intervall", "interval"), 1U);
  EXPECT_EQ(edit_distance("intreval", "interval"), 2U);
  EXPECT_EQ(edit_distance("", "abc"), 3U);
  EXPECT_EQ(edit_distance("Queue-Capacity", "queue_capacity"), 0U);
}

TEST(ClosestKey, SuggestsThePlausibleTypo) {
  constexpr std::array keys = {"interval"sv, "events"sv, "cgroup_root"sv, "proc_root"sv};
  EXPECT_EQ(closest_key("intervall", keys), "interval"sv);
  EXPECT_EQ(closest_key("event", keys), "events"sv);
  EXPECT_EQ(closest_key("proc-root", keys), "proc_root"sv);
}

TEST(ClosestKey, StaysQuietWhenNothingIsClose) {
  constexpr std::array keys = {"k"sv, "n"sv, "rule"sv};
  EXPECT_FALSE(closest_key("m", keys).has_value());
  EXPECT_FALSE(closest_key("colour", keys).has_value());
  EXPECT_FALSE(closest_key(std::string(100, 'k'), keys).has_value());
}

TEST(ClosestKey, LongKeysTolerateMoreEdits) {
  constexpr std::array keys = {"per_cgroup_counting_threshold"sv};
  EXPECT_EQ(closest_key("per_cgroup_count_treshold", keys), "per_cgroup_counting_threshold"sv);
}

TEST(ClosestKey, SuggestsTheKeyALongerOrShorterSpellingContains) {
  constexpr std::array static_keys = {"name"sv, "process_name"sv, "pid"sv, "type"sv};
  EXPECT_EQ(closest_key("app_type", static_keys), "type"sv);
  constexpr std::array bounds_keys = {"min"sv, "max"sv, "max_step_fraction"sv, "cooldown"sv};
  EXPECT_EQ(closest_key("max_step", bounds_keys), "max_step_fraction"sv);
  EXPECT_FALSE(closest_key("maximum", bounds_keys).has_value());
}

}  // namespace
}  // namespace augur::config::detail
