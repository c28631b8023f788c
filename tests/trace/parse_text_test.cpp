#include <gtest/gtest.h>

#include <cmath>

#include "augur/trace/load.h"
#include "augur/trace/parse.h"

namespace augur::trace {
namespace {

TEST(TraceText, SplitsOnMultiCharacterSeparatorKeepingEmptyFields) {
  std::vector<std::string_view> f;
  split_fields("1;\t;\t3", ";\t", f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], "1");
  EXPECT_EQ(f[1], "");
  EXPECT_EQ(f[2], "3");
}

TEST(TraceText, ParsesScientificNotationAndRejectsGarbage) {
  double v = 0;
  EXPECT_TRUE(parse_double(" 2.5165824E7 ", v));
  EXPECT_DOUBLE_EQ(v, 25165824.0);
  EXPECT_FALSE(parse_double("12abc", v));
  EXPECT_FALSE(parse_double("", v));
  EXPECT_FALSE(parse_double("nan", v));
  EXPECT_FALSE(parse_double("inf", v));
  std::int64_t i = 0;
  EXPECT_TRUE(parse_int64("1372629804", i));
  EXPECT_EQ(i, 1372629804);
  EXPECT_FALSE(parse_int64("1.5", i));
}

TEST(TraceParsers, RejectGarbageWithoutCrashing) {
  const std::string garbage("\x00\xff;\t,,\n\n;\t\r\n", 10);
  EXPECT_FALSE(parse_augur_csv(garbage, "g").has_value());
  EXPECT_FALSE(parse_bitbrains(garbage, "g", "g").has_value());
  EXPECT_FALSE(parse_aggregate(garbage, "g").has_value());
  EXPECT_FALSE(parse_alibaba_machine(garbage, garbage, "g").has_value());
  EXPECT_FALSE(parse_augur_csv("", "empty.csv").has_value());
  auto err = parse_bitbrains("", "x", "empty.csv");
  ASSERT_FALSE(err.has_value());
  EXPECT_NE(err.error().message().find("empty.csv"), std::string::npos);
}

}  // namespace
}  // namespace augur::trace

namespace augur::trace {
namespace {

std::string fixture_text(const std::string& rel) {
  auto t = read_text_file(std::string(AUGUR_SOURCE_DIR) + "/tests/fixtures/trace/" + rel);
  EXPECT_TRUE(t.has_value());
  return t ? *t : std::string();
}

// What a fuzzer would start from: every truncation of every fixture parses to a value or
// an Error, and a value's counts always add up.
TEST(TraceParsers, SurviveEveryPrefixOfTheFixtures) {
  const std::string bitbrains = fixture_text("bitbrains/7.csv");
  const std::string augur = fixture_text("augur/mixed.csv");
  const std::string usage = fixture_text("alibaba/machine_usage.csv");
  const std::string meta = fixture_text("alibaba/machine_meta.csv");
  const std::string google = fixture_text("aggregate/google2019_small.csv");
  auto check = [](const Result<Trace>& t) {
    if (!t) return;
    const auto& r = t->report;
    EXPECT_EQ(r.rows_used + r.dropped_total(), r.rows_read);
    for (const auto& i : t->instances) {
      for (std::size_t k = 1; k < i.rows(); ++k) {
        EXPECT_LT(i.timestamps_s[k - 1], i.timestamps_s[k]);
      }
    }
  };
  for (std::size_t n = 0; n <= bitbrains.size(); ++n) {
    check(parse_bitbrains(std::string_view(bitbrains).substr(0, n), "7", "7.csv"));
  }
  for (std::size_t n = 0; n <= augur.size(); ++n) {
    check(parse_augur_csv(std::string_view(augur).substr(0, n), "mixed.csv"));
  }
  for (std::size_t n = 0; n <= google.size(); ++n) {
    check(parse_aggregate(std::string_view(google).substr(0, n), "google.csv"));
  }
  for (std::size_t n = 0; n <= usage.size(); ++n) {
    (void)parse_alibaba_machine(std::string_view(usage).substr(0, n), meta, "usage.csv");
    (void)parse_alibaba_machine(usage, std::string_view(meta).substr(0, n), "usage.csv");
  }
}

}  // namespace
}  // namespace augur::trace
