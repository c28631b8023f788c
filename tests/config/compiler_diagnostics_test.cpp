// Every class of mistake is reported with its exact file:line:column and a message that
// names the key, what was expected and (for ranges) the valid range.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "augur/config/compiler.h"
#include "config_test_support.h"

namespace augur::config {
namespace {

using testing::compile;
using testing::diagnostics;
using ::testing::ElementsAre;
using testing::fixture;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// The one diagnostic of a compilation that must fail with exactly one.
std::string only_diagnostic(const CompileResult& result) {
  auto all = diagnostics(result);
  EXPECT_THAT(all, SizeIs(1));
  return all.empty() ? std::string() : all.front();
}

TEST(Diagnostic, FormatsAsFileLineColumnMessage) {
  EXPECT_EQ((Diagnostic{"a.yaml", 3, 7, "boom"}).to_string(), "a.yaml:3:7: boom");
}

TEST(ConfigDiagnostics, UnknownKeySuggestsTheClosestKnownKey) {
  const std::string path = fixture("invalid_typo.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)),
            path + ":3:3: unknown key 'intervall' in 'sampling' (did you mean 'interval'?)");
}

TEST(ConfigDiagnostics, UnknownKeyFarFromEveryKnownKeyHasNoSuggestion) {
  EXPECT_EQ(only_diagnostic(compile("sampling:\n  colour: red\n")),
            "augur.yaml:2:3: unknown key 'colour' in 'sampling'");
}

TEST(ConfigDiagnostics, UnknownTopLevelSectionSuggestsTheSection) {
  EXPECT_EQ(only_diagnostic(compile("log: {}\nsampeling: {}\n")),
            "augur.yaml:2:1: unknown key 'sampeling' at the top level (did you mean 'sampling'?)");
}

TEST(ConfigDiagnostics, SuggestionIgnoresCaseAndDashes) {
  EXPECT_THAT(only_diagnostic(compile("plan:\n  cpu:\n    Max-Step-Fraction: 0.5\n")),
              HasSubstr("augur.yaml:3:5: unknown key 'Max-Step-Fraction' in 'plan.cpu' (did "
                        "you mean 'max_step_fraction'?)"));
}

TEST(ConfigDiagnostics, AppTypeInAListIsSpelledType) {
  EXPECT_EQ(only_diagnostic(compile("discovery:\n  static:\n    - name: a\n      pid: 5\n"
                                    "      app_type: web\n")),
            "augur.yaml:5:7: unknown key 'app_type' in 'discovery.static[0]' (did you mean "
            "'type'?)");
}

TEST(ConfigDiagnostics, DuplicateKeyPointsAtSecondAndNamesTheFirstLine) {
  const std::string path = fixture("invalid_duplicate_key.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)),
            path + ":4:3: duplicate key 'mode' in 'daemon' (first set at line 2)");
}

TEST(ConfigDiagnostics, DuplicateSectionIsReported) {
  EXPECT_EQ(only_diagnostic(compile("log: {level: info}\ndaemon: {}\nlog: {level: debug}\n")),
            "augur.yaml:3:1: duplicate key 'log' at the top level (first set at line 1)");
}

TEST(ConfigDiagnostics, SequenceWhereAnIntegerIsExpected) {
  EXPECT_EQ(only_diagnostic(compile("daemon:\n  queue_capacity: [1, 2]\n")),
            "augur.yaml:2:19: 'daemon.queue_capacity' must be an integer, got a sequence");
}

TEST(ConfigDiagnostics, TextWhereANumberIsExpected) {
  EXPECT_EQ(only_diagnostic(compile("drift:\n  threshold_quantile: abc\n")),
            "augur.yaml:2:23: 'drift.threshold_quantile' must be a number, got 'abc'");
}

TEST(ConfigDiagnostics, FractionWhereAnIntegerIsExpected) {
  EXPECT_EQ(only_diagnostic(compile("fingerprint: {window_ticks: 12.5}\n")),
            "augur.yaml:1:29: 'fingerprint.window_ticks' must be an integer, got '12.5'");
}

TEST(ConfigDiagnostics, BooleansAreTrueOrFalseOnly) {
  EXPECT_EQ(only_diagnostic(compile("control:\n  enabled: yes\n")),
            "augur.yaml:2:12: 'control.enabled' must be a boolean (true or false), got 'yes'");
}

TEST(ConfigDiagnostics, SectionThatIsNotAMapping) {
  EXPECT_EQ(only_diagnostic(compile("log: debug\n")),
            "augur.yaml:1:6: 'log' must be a mapping, got 'debug'");
}

TEST(ConfigDiagnostics, EnumErrorNamesTheValidSet) {
  EXPECT_EQ(only_diagnostic(compile("daemon:\n  mode: turbo\n")),
            "augur.yaml:2:9: 'daemon.mode' must be one of observe, advise or enforce, got 'turbo'");
}

TEST(ConfigDiagnostics, DurationWithoutUnitNamesTheUnits) {
  EXPECT_EQ(only_diagnostic(compile("sampling:\n  interval: 10\n")),
            "augur.yaml:2:13: 'sampling.interval' must be a duration with a unit: ms, s, m, h "
            "or d (e.g. 30s), got '10' (a unit is required: write 10s or 10ms)");
}

TEST(ConfigDiagnostics, DurationWithUnknownUnit) {
  EXPECT_THAT(only_diagnostic(compile("sampling:\n  interval: 2 seconds\n")),
              HasSubstr("augur.yaml:2:13: 'sampling.interval' must be a duration with a unit"));
}

TEST(ConfigDiagnostics, SecondsFieldRefusesSubSecondDurations) {
  EXPECT_EQ(only_diagnostic(compile("predict:\n  horizon: 1500ms\n")),
            "augur.yaml:2:12: 'predict.horizon' must be a whole number of seconds, got '1500ms'");
}

TEST(ConfigDiagnostics, DecimalSizeUnitGetsAHint) {
  EXPECT_EQ(only_diagnostic(compile("plan:\n  memory:\n    min: 512M\n")),
            "augur.yaml:3:10: 'plan.memory.min' must be a size in bytes: a number, or a number "
            "with a unit B, KiB, MiB, GiB or TiB (e.g. 256MiB), got '512M' (binary units only: "
            "KiB, MiB, GiB, TiB)");
}

TEST(ConfigDiagnostics, RateNeedsPerSecond) {
  EXPECT_THAT(only_diagnostic(compile("plan:\n  disk:\n    max: 100MiB\n")),
              HasSubstr("augur.yaml:3:10: 'plan.disk.max' must be a rate in bytes/s"));
}

TEST(ConfigDiagnostics, OutOfRangeNamesKeyValueAndRange) {
  EXPECT_EQ(only_diagnostic(compile("fingerprint:\n  window_ticks: 4\n")),
            "augur.yaml:2:17: 'fingerprint.window_ticks' is 4, valid range is 8..3600");
}

TEST(ConfigDiagnostics, OutOfRangeDurationIsShownWithUnits) {
  EXPECT_EQ(only_diagnostic(compile("sampling:\n  interval: 50ms\n")),
            "augur.yaml:2:13: 'sampling.interval' is 50ms, valid range is 100ms..1m");
}

TEST(ConfigDiagnostics, OutOfRangeSizeIsShownWithUnits) {
  EXPECT_EQ(only_diagnostic(compile("control:\n  max_request_bytes: 32MiB\n")),
            "augur.yaml:2:22: 'control.max_request_bytes' is 32MiB, valid range is 256..16MiB");
}

TEST(ConfigDiagnostics, ExcludedLowerBoundIsSaid) {
  EXPECT_EQ(only_diagnostic(compile("drift:\n  cusum_limit: 0\n")),
            "augur.yaml:2:16: 'drift.cusum_limit' is 0, valid range is 0..1000 excluding 0");
}

TEST(ConfigDiagnostics, NegativeFractionIsOutOfRange) {
  EXPECT_EQ(only_diagnostic(compile("plan:\n  cpu: {max_step_fraction: -0.5}\n")),
            "augur.yaml:2:28: 'plan.cpu.max_step_fraction' is -0.5, valid range is 0..1");
}

TEST(ConfigDiagnostics, RetentionIsInWholeHours) {
  EXPECT_EQ(only_diagnostic(compile("store:\n  retention:\n    instance_baselines: 90m\n")),
            "augur.yaml:3:25: 'store.retention.instance_baselines' must be a whole number of "
            "hours (h or d), got '90m'");
}

TEST(ConfigDiagnostics, RetentionAboveTenYearsIsOutOfRange) {
  EXPECT_EQ(only_diagnostic(compile("store:\n  retention: {stale_versions: 3651d}\n")),
            "augur.yaml:2:31: 'store.retention.stale_versions' is 3651d, valid range is "
            "0ms..3650d");
}

TEST(ConfigDiagnostics, RetentionNeedsAUnitEvenForZero) {
  EXPECT_EQ(only_diagnostic(compile("store:\n  retention:\n    instance_baselines: 0\n")),
            "augur.yaml:3:25: 'store.retention.instance_baselines' must be a duration with a "
            "unit: ms, s, m, h or d (e.g. 30s), got '0' (a unit is required: write 0s or 0ms)");
}

TEST(ConfigDiagnostics, UnknownRetentionKeySuggestsTheKnownOne) {
  const std::string path = fixture("invalid_retention.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)),
            path +
                ":5:5: unknown key 'instance_baseline' in 'store.retention' (did you mean "
                "'instance_baselines'?)");
}

TEST(ConfigDiagnostics, KeyWithoutValuePointsAtTheKey) {
  EXPECT_EQ(only_diagnostic(compile("sampling:\n  interval:\nlog: {}\n")),
            "augur.yaml:2:3: 'sampling.interval' has no value: expected a duration with a unit: "
            "ms, s, m, h or d (e.g. 30s)");
}

TEST(ConfigDiagnostics, RelativePathIsRefused) {
  EXPECT_EQ(only_diagnostic(compile("daemon:\n  state_dir: var/lib/augur\n")),
            "augur.yaml:2:14: 'daemon.state_dir' must be an absolute path, got 'var/lib/augur'");
}

TEST(ConfigDiagnostics, MetricsAddressNeedsHostAndPort) {
  EXPECT_EQ(only_diagnostic(compile("metrics:\n  address: localhost\n")),
            "augur.yaml:2:12: 'metrics.address' must be host:port with a port 1..65535 (e.g. "
            "127.0.0.1:9464), got 'localhost'");
  EXPECT_THAT(only_diagnostic(compile("metrics:\n  address: 127.0.0.1:70000\n")),
              HasSubstr("augur.yaml:2:12: 'metrics.address' must be host:port"));
}

TEST(ConfigDiagnostics, RingCapacityBelowWindowPointsAtRingCapacity) {
  EXPECT_EQ(only_diagnostic(compile("fingerprint:\n  window_ticks: 100\n  ring_capacity: 50\n")),
            "augur.yaml:3:18: 'fingerprint.ring_capacity' (50) must be at least "
            "'fingerprint.window_ticks' (100)");
}

TEST(ConfigDiagnostics, CrossFieldRuleAgainstADefaultPointsAtTheKeySet) {
  // ring_capacity keeps its default 600; only window_ticks was written.
  EXPECT_EQ(only_diagnostic(compile("fingerprint:\n  window_ticks: 1000\n")),
            "augur.yaml:2:17: 'fingerprint.ring_capacity' (600) must be at least "
            "'fingerprint.window_ticks' (1000)");
}

TEST(ConfigDiagnostics, AStepNoLargerThanTheHysteresisIsRejected) {
  EXPECT_EQ(
      only_diagnostic(compile("plan:\n  hysteresis: 0.1\n  memory: {max_step_fraction: 0.1}\n")),
      "augur.yaml:3:31: 'plan.memory.max_step_fraction' (0.1) must be greater than "
      "'plan.hysteresis' (0.1): smaller changes are ignored, so memory could never change");
  // Against the default hysteresis (0.05), pointing at the step that was written.
  EXPECT_THAT(only_diagnostic(compile("plan:\n  cpu: {max_step_fraction: 0}\n")),
              HasSubstr("augur.yaml:2:28: 'plan.cpu.max_step_fraction' (0) must be greater"));
  EXPECT_TRUE(compile("plan:\n  hysteresis: 0.1\n  cpu: {max_step_fraction: 0.11}\n").has_value());
}

TEST(ConfigDiagnostics, MinNeighboursAboveK) {
  EXPECT_EQ(only_diagnostic(compile("predict:\n  k: 2\n  min_neighbours: 4\n")),
            "augur.yaml:3:19: 'predict.min_neighbours' (4) must be at most 'predict.k' (2)");
}

TEST(ConfigDiagnostics, KOfNWithKAboveN) {
  EXPECT_EQ(only_diagnostic(compile("drift:\n  rule: k_of_n\n  k: 6\n  n: 5\n")),
            "augur.yaml:3:6: 'drift.k' (6) must be at most 'drift.n' (5)");
}

TEST(ConfigDiagnostics, PlanMinAboveMaxIsShownInTheResourceUnit) {
  EXPECT_EQ(only_diagnostic(compile("plan:\n  memory: {min: 2GiB, max: 1GiB}\n")),
            "augur.yaml:2:17: 'plan.memory.min' (2GiB) must be at most 'plan.memory.max' (1GiB); "
            "max 0 means no upper bound");
}

TEST(ConfigDiagnostics, PostgresqlBackendNeedsConninfo) {
  const std::string path = fixture("invalid_postgres_without_conninfo.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)),
            path +
                ":2:12: 'store.postgres_conninfo' must be set when 'store.backend' is "
                "postgresql");
}

TEST(ConfigDiagnostics, ValueRejectedOnItsOwnIsNotCheckedAgainstOthers) {
  // window_ticks is out of range: one error, not a second one about ring_capacity.
  EXPECT_THAT(diagnostics(compile("fingerprint:\n  window_ticks: 100000\n")), SizeIs(1));
}

TEST(ConfigDiagnostics, SyntaxErrorCarriesItsPosition) {
  const std::string path = fixture("invalid_syntax.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)),
            path + ":3:11: syntax error: end of sequence flow not found");
}

TEST(ConfigDiagnostics, TabIndentationIsASyntaxError) {
  const std::string path = fixture("invalid_syntax_tab.yaml");
  EXPECT_THAT(only_diagnostic(load_config_file(path)), HasSubstr(path + ":2:6: syntax error: "));
}

TEST(ConfigDiagnostics, TopLevelMustBeAMapping) {
  EXPECT_EQ(only_diagnostic(load_config_file(fixture("invalid_top_level_sequence.yaml"))),
            fixture("invalid_top_level_sequence.yaml") +
                ":1:1: the top level must be a mapping of sections, got a sequence");
  EXPECT_EQ(only_diagnostic(compile("augur\n")),
            "augur.yaml:1:1: the top level must be a mapping of sections, got 'augur'");
}

TEST(ConfigDiagnostics, SecondDocumentIsRefused) {
  const std::string path = fixture("invalid_two_documents.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)),
            path + ":3:1: a config file holds one YAML document, found a second one here");
}

TEST(ConfigDiagnostics, StrayCommaIsASyntaxErrorNotAHang) {
  const std::string path = fixture("invalid_stray_comma.yaml");
  EXPECT_EQ(only_diagnostic(load_config_file(path)), path + ":2:1: syntax error: unexpected ','");
  EXPECT_EQ(only_diagnostic(compile(",")), "augur.yaml:1:1: syntax error: unexpected ','");
}

TEST(ConfigDiagnostics, NonStringKeyIsRefused) {
  EXPECT_EQ(only_diagnostic(compile("daemon:\n  [a, b]: 1\n")),
            "augur.yaml:2:3: keys in 'daemon' must be strings, got a sequence");
}

TEST(ConfigDiagnostics, ReportsEveryErrorOfAFileInOneRunInFileOrder) {
  const std::string p = fixture("invalid_many_errors.yaml");
  EXPECT_THAT(
      diagnostics(load_config_file(p)),
      ElementsAre(
          p + ":3:9: 'daemon.mode' must be one of observe, advise or enforce, got 'turbo'",
          p + ":4:19: 'daemon.queue_capacity' is 0, valid range is 1..65536",
          p + ":6:13: 'sampling.interval' must be a duration with a unit: ms, s, m, h or d (e.g. "
              "30s), got '10' (a unit is required: write 10s or 10ms)",
          p + ":7:11: 'sampling.events' must be a sequence of strings, got 'cycles'",
          p + ":10:18: 'fingerprint.ring_capacity' (50) must be at least "
              "'fingerprint.window_ticks' (100)",
          p + ":12:6: 'drift.k' (6) must be at most 'drift.n' (5)",
          p + ":16:19: 'predict.min_neighbours' (4) must be at most 'predict.k' (2)",
          p + ":19:10: 'plan.cpu.min' (4) must be at most 'plan.cpu.max' (2); max 0 means no "
              "upper bound",
          p + ":22:10: 'plan.memory.min' must be a size in bytes: a number, or a number with a "
              "unit B, KiB, MiB, GiB or TiB (e.g. 256MiB), got 'lots'",
          p + ":24:12: 'store.backend' must be one of sqlite or postgresql, got 'oracle'",
          p + ":26:3: unknown key 'addres' in 'metrics' (did you mean 'address'?)"));
}

TEST(ConfigDiagnostics, WrongTypesAcrossSectionsAreAllReported) {
  const std::string p = fixture("invalid_wrong_types.yaml");
  EXPECT_THAT(
      diagnostics(load_config_file(p)),
      ElementsAre(
          p + ":2:19: 'daemon.queue_capacity' must be an integer, got a sequence",
          p + ":3:6: 'log' must be a mapping, got 'debug'",
          p + ":6:14: 'discovery.libvirt.enabled' must be a boolean (true or false), got 'yes'",
          p + ":8:5: 'discovery.static' must be a sequence of mappings, got a mapping",
          p + ":10:22: 'control.max_request_bytes' must be a whole number of bytes; a size in "
              "bytes: a number, or a number with a unit B, KiB, MiB, GiB or TiB (e.g. 256MiB), "
              "got '100.5'"));
}

TEST(ConfigDiagnostics, StaticEntriesNeedANameAndExactlyOneMatcher) {
  const std::string p = fixture("invalid_static_entries.yaml");
  EXPECT_THAT(
      diagnostics(load_config_file(p)),
      ElementsAre(
          p + ":3:7: 'discovery.static[0]' sets both 'process_name' and 'pid': give exactly one",
          p + ":6:7: 'discovery.static[1]' is missing required key 'name'",
          p + ":7:13: 'discovery.static[2].name' 'a' is already used by 'discovery.static[0]'",
          p + ":9:7: 'discovery.static[3]' must be a mapping, got 'just-a-string'",
          p + ":11:1: 'discovery.static[4]' must be a mapping, got nothing"));
}

TEST(ConfigDiagnostics, TypeRulesNeedPatternAndType) {
  EXPECT_EQ(only_diagnostic(compile("discovery:\n  cgroups:\n    type_rules:\n"
                                    "      - pattern: '*redis*'\n")),
            "augur.yaml:4:9: 'discovery.cgroups.type_rules[0]' is missing required key 'type'");
}

TEST(ConfigDiagnostics, EmptyStringInAListIsRefused) {
  EXPECT_EQ(only_diagnostic(compile("sampling:\n  events: [cycles, '']\n")),
            "augur.yaml:2:20: 'sampling.events[1]' must be a non-empty string, got ''");
}

TEST(ConfigDiagnostics, MissingFileGivesStrerror) {
  EXPECT_EQ(only_diagnostic(load_config_file("/nonexistent/augur.yaml")),
            "/nonexistent/augur.yaml:0:0: cannot read: No such file or directory");
}

TEST(ConfigDiagnostics, DirectoryIsNotReadableAsAConfig) {
  EXPECT_EQ(only_diagnostic(load_config_file(fixture(""))),
            fixture("") + ":0:0: cannot read: Is a directory");
}

TEST(ConfigDiagnostics, FloodOfErrorsIsCutAndSummarised) {
  std::string text = "daemon:\n";
  for (int i = 0; i < 150; ++i) text += "  unknown_" + std::to_string(i) + ": 1\n";
  auto all = diagnostics(compile(text));
  ASSERT_THAT(all, SizeIs(101));
  EXPECT_EQ(all.front(), "augur.yaml:2:3: unknown key 'unknown_0' in 'daemon'");
  EXPECT_EQ(all.back(), "augur.yaml:0:0: 50 more errors not shown (fix the ones above first)");
}

}  // namespace
}  // namespace augur::config
