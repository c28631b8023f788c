// The text format 0.0.4 encoder against a strict, independent checker: escaping, values,
// HELP and TYPE once per family, histograms; and the checker itself rejects each kind of
// broken exposition (so its "ok" means something).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "augur/metrics/augur_families.h"
#include "augur/metrics/registry.h"
#include "augur/metrics/text_format.h"
#include "exposition_checker.h"

namespace augur::metrics {
namespace {

TEST(TextFormat, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(escape_label_value("say \"hi\""), R"(say \"hi\")");
  EXPECT_EQ(escape_label_value("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(escape_label_value("tab\tstays"), "tab\tstays");
  EXPECT_EQ(escape_label_value("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\xB3");
  // Invalid UTF-8 (a lone continuation byte, a truncated sequence, an overlong '/', a
  // surrogate) becomes U+FFFD, one per bad byte.
  EXPECT_EQ(escape_label_value("a\x80z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(escape_label_value("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TextFormat, EscapesHelpButNotQuotes) {
  EXPECT_EQ(escape_help("a \"quoted\" \\ path\nnext"), "a \"quoted\" \\\\ path\\nnext");
}

TEST(TextFormat, FormatsValuesAsGoReadsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(-2.5), "-2.5");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  for (double v : {1e-300, 123456789.123, 1e21, 5e-324, std::numeric_limits<double>::max()}) {
    EXPECT_EQ(std::strtod(format_value(v).c_str(), nullptr), v) << format_value(v);
  }
}

TEST(TextFormat, EdgeCaseLabelsRoundTripThroughTheStrictChecker) {
  MetricsRegistry r;
  ASSERT_TRUE(define_augur_families(r, "0.1.0"));
  const std::vector<std::string> nasty = {
      "plain",      "back\\slash", "quo\"te",    "new\nline",      "",
      "{}=,\" \\n", "caf\xC3\xA9", "trailing\\", "# not a comment"};
  for (const std::string& id : nasty) {
    ASSERT_TRUE(r.set_gauge(names::kDriftScore, {{"instance", id}, {"app_type", "web"}}, 0.5));
  }
  ASSERT_TRUE(
      r.set_gauge(names::kDriftScore, {{"instance", "bad\xFFutf8"}, {"app_type", "x"}}, NAN));
  const std::string text = r.exposition();
  const auto check = ops_test::check_exposition(text);
  ASSERT_TRUE(check.ok()) << check.joined_errors() << text;
  for (const std::string& id : nasty) {
    const auto* s = check.find("augur_drift_score", {{"instance", id}, {"app_type", "web"}});
    ASSERT_NE(s, nullptr) << id;
    EXPECT_EQ(s->value, 0.5);
  }
  const auto* replaced =
      check.find("augur_drift_score", {{"instance", "bad\xEF\xBF\xBDutf8"}, {"app_type", "x"}});
  ASSERT_NE(replaced, nullptr);
  EXPECT_TRUE(std::isnan(replaced->value));
}

TEST(TextFormat, HelpAndTypeOncePerFamilyBeforeItsSamples) {
  MetricsRegistry r;
  ASSERT_TRUE(define_augur_families(r, "0.1.0"));
  for (int i = 0; i < 20; ++i) {
    const std::string id = "vm-" + std::to_string(i);
    for (const char* res : {"cpu", "memory", "disk", "network"}) {
      ASSERT_TRUE(r.set_gauge(names::kAllocation, {{"instance", id}, {"resource", res}}, i));
    }
    ASSERT_TRUE(r.observe(names::kTickDuration, {}, i * 0.01));
  }
  const std::string text = r.exposition();
  const auto check = ops_test::check_exposition(text);
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  for (const FamilySpec& f : augur_families()) {
    const auto count = [&](const std::string& line) {
      std::size_t n = 0;
      for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) ++n;
      return n;
    };
    EXPECT_EQ(count("# HELP " + f.name + " "), 1u) << f.name;
    EXPECT_EQ(count("# TYPE " + f.name + " "), 1u) << f.name;
    ASSERT_TRUE(check.families.contains(f.name));
    const char* want = f.type == MetricType::kCounter ? "counter"
                       : f.type == MetricType::kGauge ? "gauge"
                                                      : "histogram";
    EXPECT_EQ(check.families.at(f.name).type, want) << f.name;
    EXPECT_EQ(check.families.at(f.name).help, f.help);
  }
  EXPECT_NE(text.find("augur_tick_duration_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos)
      << "0 falls in the first bucket";
  EXPECT_NE(text.find("augur_tick_duration_seconds_bucket{le=\"+Inf\"} 20\n"), std::string::npos);
}

TEST(TextFormat, HistogramSeriesWithLabelsEachEndWithInf) {
  MetricsRegistry r;
  ASSERT_TRUE(
      r.define(FamilySpec{"q_seconds", "help", MetricType::kHistogram, {"queue"}, {0.5, 2}}));
  ASSERT_TRUE(r.observe("q_seconds", {{"queue", "a"}}, 1));
  ASSERT_TRUE(r.observe("q_seconds", {{"queue", "b"}}, 3));
  const std::string text = r.exposition();
  EXPECT_EQ(text,
            "# HELP q_seconds help\n"
            "# TYPE q_seconds histogram\n"
            "q_seconds_bucket{queue=\"a\",le=\"0.5\"} 0\n"
            "q_seconds_bucket{queue=\"a\",le=\"2\"} 1\n"
            "q_seconds_bucket{queue=\"a\",le=\"+Inf\"} 1\n"
            "q_seconds_sum{queue=\"a\"} 1\n"
            "q_seconds_count{queue=\"a\"} 1\n"
            "q_seconds_bucket{queue=\"b\",le=\"0.5\"} 0\n"
            "q_seconds_bucket{queue=\"b\",le=\"2\"} 0\n"
            "q_seconds_bucket{queue=\"b\",le=\"+Inf\"} 1\n"
            "q_seconds_sum{queue=\"b\"} 3\n"
            "q_seconds_count{queue=\"b\"} 1\n");
  EXPECT_TRUE(ops_test::check_exposition(text).ok());
}

// The checker must fail on each of these, or its verdicts above mean nothing.
TEST(ExpositionChecker, RejectsEachKindOfBrokenExposition) {
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"no final line feed", "# TYPE a gauge\na 1"},
      {"second HELP", "# HELP a x\n# HELP a y\na 1\n"},
      {"second TYPE", "# TYPE a gauge\n# TYPE a gauge\na 1\n"},
      {"TYPE after samples", "a 1\n# TYPE a gauge\n"},
      {"unknown type", "# TYPE a meter\na 1\n"},
      {"not contiguous", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n"},
      {"bad escape in label", "a{x=\"\\t\"} 1\n"},
      {"bad escape in HELP", "# HELP a x\\ty\na 1\n"},
      {"unquoted label", "a{x=1} 1\n"},
      {"unterminated label", "a{x=\"1} 1\n"},
      {"duplicate label", "a{x=\"1\",x=\"2\"} 1\n"},
      {"reserved label", "a{__x=\"1\"} 1\n"},
      {"bad value", "a 1,5\n"},
      {"two spaces", "a  1\n"},
      {"bad name", "1a 1\n"},
      {"duplicate series", "a{x=\"1\"} 1\na{x=\"1\"} 2\n"},
      {"negative counter", "# TYPE c_total counter\nc_total -1\n"},
      {"invalid UTF-8", "a{x=\"\xFF\"} 1\n"},
      {"carriage return", "a 1\r\n"},
      {"no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"},
      {"not cumulative",
       "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n"
       "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n"},
      {"bounds not increasing",
       "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
       "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"},
      {"+Inf differs from _count",
       "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n"},
      {"no _sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"},
      {"no _count", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"},
  };
  for (const auto& [why, text] : broken) {
    EXPECT_FALSE(ops_test::check_exposition(text).ok()) << why;
  }
  const std::string good =
      "# HELP h latency\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
      "h_sum 3.5\nh_count 2\n# a comment\n\n# TYPE g gauge\ng{a=\"\\\\\\\"\\n\"} -Inf\n";
  const auto ok = ops_test::check_exposition(good);
  EXPECT_TRUE(ok.ok()) << ok.joined_errors();
  ASSERT_NE(ok.find("g", {{"a", "\\\"\n"}}), nullptr);
}

}  // namespace
}  // namespace augur::metrics
