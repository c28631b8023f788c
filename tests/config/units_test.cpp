// The scalar forms of the config: durations, sizes, rates, numbers and booleans.
#include "units.h"

#include <gtest/gtest.h>

namespace augur::config::detail {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsEachUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(ParseDuration, RequiresAUnitAndAWholeNumber) {
  for (const char* bad : {"30", "", "s", "1.5s", "-1s", "1 s", "1sec", "1S", "1w", "ms", "1ms2"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ParseDuration, RefusesCountsThatWouldOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999999999d").has_value());
  // 10^12 days fits int64 as a count but not in milliseconds.
  EXPECT_FALSE(parse_duration("1000000000000d").has_value());
  EXPECT_FALSE(parse_duration("9223372036854775807ms").has_value());
  EXPECT_EQ(parse_duration("1000000000000000ms"), milliseconds(1'000'000'000'000'000));
}

TEST(ParseBytes, AcceptsPlainNumbersAndBinaryUnits) {
  EXPECT_EQ(parse_bytes("4096"), 4096.0);
  EXPECT_EQ(parse_bytes("512B"), 512.0);
  EXPECT_EQ(parse_bytes("64KiB"), 65536.0);
  EXPECT_EQ(parse_bytes("256MiB"), 256.0 * 1024 * 1024);
  EXPECT_EQ(parse_bytes("1.5GiB"), 1.5 * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_bytes("2TiB"), 2.0 * 1024 * 1024 * 1024 * 1024);
}

TEST(ParseBytes, RefusesDecimalUnitsNegativesAndRates) {
  for (const char* bad : {"512M", "1GB", "1kB", "-1", "-1KiB", "KiB", "1 KiB", "1KiB/s", "inf"}) {
    EXPECT_FALSE(parse_bytes(bad).has_value()) << bad;
  }
}

TEST(ParseRate, AcceptsPlainNumbersAndUnitsPerSecond) {
  EXPECT_EQ(parse_rate("1000000"), 1e6);
  EXPECT_EQ(parse_rate("100MiB/s"), 100.0 * 1024 * 1024);
  EXPECT_EQ(parse_rate("10B/s"), 10.0);
  EXPECT_FALSE(parse_rate("100MiB").has_value());
  EXPECT_FALSE(parse_rate("100/s").has_value());
  EXPECT_FALSE(parse_rate("100MB/s").has_value());
}

TEST(ParseNumber, AcceptsDecimalAndExponentRefusesNonFinite) {
  EXPECT_EQ(parse_number("0.25"), 0.25);
  EXPECT_EQ(parse_number("1e6"), 1e6);
  EXPECT_EQ(parse_number("-2"), -2.0);
  for (const char* bad : {"", "abc", "1,5", "inf", "nan", "+1", "0x10", "1e999", ".nan"}) {
    EXPECT_FALSE(parse_number(bad).has_value()) << bad;
  }
}

TEST(ParseInteger, RefusesFractionsAndOverflow) {
  EXPECT_EQ(parse_integer("-12"), -12);
  EXPECT_FALSE(parse_integer("1.0").has_value());
  EXPECT_FALSE(parse_integer("1e3").has_value());
  EXPECT_FALSE(parse_integer("99999999999999999999").has_value());
}

TEST(ParseBool, AcceptsOnlyTrueAndFalse) {
  EXPECT_EQ(parse_bool("true"), true);
  EXPECT_EQ(parse_bool("False"), false);
  for (const char* bad : {"yes", "no", "on", "off", "1", "0", "y", "tRUE"}) {
    EXPECT_FALSE(parse_bool(bad).has_value()) << bad;
  }
}

TEST(FormatDuration, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_duration(milliseconds(100)), "100ms");
  EXPECT_EQ(format_duration(milliseconds(60'000)), "1m");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(86'400'000)), "1d");
  EXPECT_EQ(format_duration(milliseconds(0)), "0ms");
}

TEST(FormatBytes, UsesAUnitOnlyWhenExact) {
  EXPECT_EQ(format_bytes(16.0 * 1024 * 1024), "16MiB");
  EXPECT_EQ(format_bytes(256), "256");
  EXPECT_EQ(format_bytes(1536), "1536");
  EXPECT_EQ(format_bytes(0), "0");
}

}  // namespace
}  // namespace augur::config::detail
