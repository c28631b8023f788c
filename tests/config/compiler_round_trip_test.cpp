// Every key reaches its struct field: tests/fixtures/config/valid_all_non_default.yaml sets
// each key to a non-default value; each test compares one whole section with what it says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "augur/config/compiler.h"
#include "config_test_support.h"

namespace augur::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::compile;
using testing::diagnostics;
using testing::fixture;

constexpr double kKiB = 1024;
constexpr double kMiB = 1024 * kKiB;
constexpr double kGiB = 1024 * kMiB;

class ConfigRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    auto result = load_config_file(fixture("valid_all_non_default.yaml"));
    ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
    config_ = *result;
  }
  Config config_;
  const Config defaults_{};
};

TEST_F(ConfigRoundTrip, Daemon) {
  DaemonSection expected{"host-17", "/run/augur-test", "/srv/augur", Mode::kEnforce, 128, true};
  EXPECT_EQ(config_.daemon, expected);
  EXPECT_NE(config_.daemon, defaults_.daemon);
}

TEST_F(ConfigRoundTrip, Log) {
  EXPECT_EQ(config_.log, (LogSection{"debug", LogTarget::kJournal}));
}

TEST_F(ConfigRoundTrip, DiscoveryLibvirt) {
  LibvirtSource expected{false, "qemu+ssh://root@kvm1/system",      seconds(10),
                         7,     "https://example.com/xmlns/kind/2", "/var/run/libvirt/qemu"};
  EXPECT_EQ(config_.discovery.libvirt, expected);
  EXPECT_EQ(config_.discovery.interval, milliseconds(120000));
}

TEST_F(ConfigRoundTrip, DiscoveryCgroups) {
  CgroupSource expected;
  expected.enabled = true;
  expected.patterns = {"machine.slice/*.scope", "kubepods.slice/*/*/*.scope"};
  expected.type_rules = {{"*postgres*", "postgres"}, {"*nginx*", "web"}};
  expected.per_cgroup_counting_threshold = 256;
  EXPECT_EQ(config_.discovery.cgroups, expected);
}

TEST_F(ConfigRoundTrip, DiscoveryStaticEntriesSpellAppTypeAsType) {
  std::vector<StaticEntry> expected = {{"build-farm", "^make$", 0, "batch"},
                                       {"legacy-db", "", 4242, ""}};
  EXPECT_EQ(config_.discovery.static_entries, expected);
}

TEST_F(ConfigRoundTrip, Sampling) {
  SamplingSection expected;
  expected.interval = milliseconds(250);
  expected.events = {"task-clock", "context-switches"};
  expected.cgroup_root = "/sys/fs/cgroup/unified";
  expected.proc_root = "/host/proc";
  expected.disk_bandwidth_bytes_per_s = 500 * kMiB;
  expected.network_bandwidth_bytes_per_s = 1.25e9;
  EXPECT_EQ(config_.sampling, expected);
}

TEST_F(ConfigRoundTrip, Fingerprint) {
  EXPECT_EQ(config_.fingerprint, (FingerprintSection{120, 1200}));
}

TEST_F(ConfigRoundTrip, Drift) {
  DriftSection expected{
      0.995, DistanceKind::kMahalanobis, 0.5, SequentialRule::kKOfN, 1.5, 8.0, 4, 10, 30, 0.01, 45};
  EXPECT_EQ(config_.drift, expected);
}

TEST_F(ConfigRoundTrip, Predict) {
  PredictSection expected{9, 2, seconds(3600), 3.5, 0.25, 3, 1.5, 5000, hours(24 * 30)};
  EXPECT_EQ(config_.predict, expected);
}

TEST_F(ConfigRoundTrip, PlanBoundsPerResourceInTheirUnits) {
  EXPECT_EQ(config_.plan.cpu, (ResourceBounds{0.5, 8, 0.5, seconds(120)}));
  EXPECT_EQ(config_.plan.memory, (ResourceBounds{512 * kMiB, 16 * kGiB, 0.2, seconds(300)}));
  EXPECT_EQ(config_.plan.disk, (ResourceBounds{10 * kMiB, kGiB, 0.3, seconds(30)}));
  EXPECT_EQ(config_.plan.network, (ResourceBounds{kKiB, 125e6, 0.75, seconds(0)}));
}

TEST_F(ConfigRoundTrip, PlanScalars) {
  PlanSection expected = config_.plan;  // bounds checked above
  expected.headroom_margin = 0.3;
  expected.hysteresis = 0.1;
  expected.scale_down_window = seconds(3600);
  expected.overcommit_ratio = 1.5;
  expected.breaker_flips_per_hour = 12;
  expected.verify_settle = seconds(120);
  EXPECT_EQ(config_.plan, expected);
  EXPECT_NE(config_.plan.headroom_margin, defaults_.plan.headroom_margin);
}

TEST_F(ConfigRoundTrip, Store) {
  StoreSection expected{"postgresql", "/srv/augur/local.db", "service=augur", seconds(300),
                        RetentionSection{hours(36), hours(24 * 90)}};
  EXPECT_EQ(config_.store, expected);
  EXPECT_NE(config_.store.retention, defaults_.store.retention);
}

TEST(ConfigRetention, DefaultsAreFourteenAndThirtyDays) {
  const RetentionSection r;
  EXPECT_EQ(r.instance_baselines, hours(24 * 14));
  EXPECT_EQ(r.stale_versions, hours(24 * 30));
}

TEST(ConfigRetention, ZeroKeepsForEverAndTheBoundsAreAccepted) {
  auto result = compile(
      "store:\n  retention:\n    instance_baselines: 0s\n"
      "    stale_versions: 3650d\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(result->store.retention.instance_baselines, hours(0));
  EXPECT_EQ(result->store.retention.stale_versions, hours(24 * 3650));
  auto hourly = compile("store: {retention: {instance_baselines: 1h, stale_versions: 0d}}\n");
  ASSERT_TRUE(hourly) << ::testing::PrintToString(diagnostics(hourly));
  EXPECT_EQ(hourly->store.retention.instance_baselines, hours(1));
  EXPECT_EQ(hourly->store.retention.stale_versions, hours(0));
}

TEST(ConfigRetention, AnEmptyRetentionSectionKeepsTheDefaults) {
  auto result = compile("store:\n  backend: sqlite\n  retention:\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(result->store.retention, RetentionSection{});
}

TEST_F(ConfigRoundTrip, Control) {
  ControlSection expected{false, "/run/augur-test/ctl.sock", "wheel", 1024 * 1024, 200};
  EXPECT_EQ(config_.control, expected);
}

TEST_F(ConfigRoundTrip, MetricsAcceptsBracketedIpv6) {
  EXPECT_EQ(config_.metrics, (MetricsSection{false, "[::1]:9100"}));
}

TEST_F(ConfigRoundTrip, NoSectionKeepsItsDefault) {
  EXPECT_NE(config_.daemon, defaults_.daemon);
  EXPECT_NE(config_.log, defaults_.log);
  EXPECT_NE(config_.discovery, defaults_.discovery);
  EXPECT_NE(config_.sampling, defaults_.sampling);
  EXPECT_NE(config_.fingerprint, defaults_.fingerprint);
  EXPECT_NE(config_.drift, defaults_.drift);
  EXPECT_NE(config_.predict, defaults_.predict);
  EXPECT_NE(config_.plan, defaults_.plan);
  EXPECT_NE(config_.store, defaults_.store);
  EXPECT_NE(config_.control, defaults_.control);
  EXPECT_NE(config_.metrics, defaults_.metrics);
}

TEST(ConfigValues, DurationUnitsConvertToTheFieldsUnit) {
  auto result = compile(
      "discovery: {interval: 1h}\n"
      "sampling: {interval: 100ms}\n"
      "predict: {horizon: 1d, history_max_age: 3650d}\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(result->discovery.interval, hours(1));
  EXPECT_EQ(result->sampling.interval, milliseconds(100));
  EXPECT_EQ(result->predict.horizon, hours(24));
  EXPECT_EQ(result->predict.history_max_age, hours(24 * 3650));
}

TEST(ConfigValues, SizesAcceptPlainBytesAndBinaryUnits) {
  auto result = compile(
      "plan: {memory: {min: 1073741824, max: 1.5GiB}}\n"
      "control: {max_request_bytes: 256}\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(result->plan.memory.min, kGiB);
  EXPECT_EQ(result->plan.memory.max, 1.5 * kGiB);
  EXPECT_EQ(result->control.max_request_bytes, 256U);
}

TEST(ConfigValues, MaxZeroMeansUnboundedSoAnyMinIsAccepted) {
  auto result = compile("plan: {cpu: {min: 64, max: 0}}\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(result->plan.cpu.min, 64);
}

TEST(ConfigValues, ListsReplaceTheDefaultList) {
  auto result = compile("sampling:\n  events: []\n");
  ASSERT_TRUE(result);
  EXPECT_THAT(result->sampling.events, ::testing::IsEmpty());
}

TEST(ConfigValues, EmptyListValueMeansEmptyList) {
  auto result = compile("sampling:\n  events:\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_THAT(result->sampling.events, ::testing::IsEmpty());
}

TEST(ConfigValues, AliasesAreFollowed) {
  auto result = load_config_file(fixture("valid_anchors.yaml"));
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(result->plan.network, result->plan.disk);
  EXPECT_EQ(result->plan.network.max, 200 * kMiB);
}

TEST(ConfigValues, EveryValidFixtureCompiles) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixture(""))) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("valid_")) continue;
    ++seen;
    EXPECT_THAT(diagnostics(load_config_file(entry.path().string())), ::testing::IsEmpty()) << name;
  }
  EXPECT_GE(seen, 5);
}

}  // namespace
}  // namespace augur::config
