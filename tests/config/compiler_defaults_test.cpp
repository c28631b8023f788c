// Defaults: an empty file, null sections and the shipped config/augur.yaml all give Config{}.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <string>

#include "augur/config/compiler.h"
#include "config_test_support.h"

namespace augur::config {
namespace {

using testing::compile;
using testing::diagnostics;
using testing::fixture;
using testing::shipped_config;

Config defaults_from(const std::string& source) {
  Config c;
  c.source_file = source;
  return c;
}

TEST(ConfigDefaults, EmptyTextGivesDefaultConfig) {
  auto result = compile("");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(*result, defaults_from("augur.yaml"));
}

TEST(ConfigDefaults, CommentsOnlyFileGivesDefaultConfig) {
  auto result = load_config_file(fixture("valid_comments_only.yaml"));
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(*result, defaults_from(fixture("valid_comments_only.yaml")));
}

TEST(ConfigDefaults, SectionsWithNothingSetKeepDefaults) {
  auto result = load_config_file(fixture("valid_empty_sections.yaml"));
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(*result, defaults_from(fixture("valid_empty_sections.yaml")));
}

TEST(ConfigDefaults, DocumentMarkerAloneGivesDefaultConfig) {
  auto result = compile("---\n...\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(diagnostics(result));
  EXPECT_EQ(*result, defaults_from("augur.yaml"));
}

TEST(ConfigDefaults, RecordsSourceFile) {
  auto result = compile_config("daemon: {mode: advise}\n", "/etc/augur/augur.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->source_file, "/etc/augur/augur.yaml");
}

TEST(ShippedConfig, LoadsWithoutDiagnostics) {
  auto result = load_config_file(shipped_config());
  EXPECT_THAT(diagnostics(result), ::testing::IsEmpty());
}

TEST(ShippedConfig, EqualsDefaultConstructedConfig) {
  auto result = load_config_file(shipped_config());
  ASSERT_TRUE(result);
  const Config expected = defaults_from(shipped_config());
  // Section by section first, so a mismatch names its section.
  EXPECT_EQ(result->daemon, expected.daemon);
  EXPECT_EQ(result->log, expected.log);
  EXPECT_EQ(result->discovery, expected.discovery);
  EXPECT_EQ(result->sampling, expected.sampling);
  EXPECT_EQ(result->fingerprint, expected.fingerprint);
  EXPECT_EQ(result->drift, expected.drift);
  EXPECT_EQ(result->predict, expected.predict);
  EXPECT_EQ(result->plan, expected.plan);
  EXPECT_EQ(result->store, expected.store);
  EXPECT_EQ(result->control, expected.control);
  EXPECT_EQ(result->metrics, expected.metrics);
  EXPECT_EQ(*result, expected);
}

// Dotted paths of the leaves of a YAML mapping; sequences count as leaves.
void collect_leaves(const YAML::Node& node, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& pair : node) {
    const std::string path =
        prefix.empty() ? pair.first.Scalar() : prefix + "." + pair.first.Scalar();
    if (pair.second.IsMap()) {
      collect_leaves(pair.second, path, out);
    } else {
      out.insert(path);
    }
  }
}

// The documented schema: every key the compiler accepts, written out once more here so that
// a key added to the compiler but not to config/augur.yaml (or the reverse) fails.
const std::set<std::string>& all_keys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> k = {"daemon.host_id",
                               "daemon.runtime_dir",
                               "daemon.state_dir",
                               "daemon.mode",
                               "daemon.queue_capacity",
                               "daemon.restore_on_shutdown",
                               "log.level",
                               "log.target",
                               "discovery.interval",
                               "discovery.libvirt.enabled",
                               "discovery.libvirt.uri",
                               "discovery.libvirt.keepalive_interval",
                               "discovery.libvirt.keepalive_count",
                               "discovery.libvirt.metadata_namespace",
                               "discovery.libvirt.qemu_runtime_dir",
                               "discovery.cgroups.enabled",
                               "discovery.cgroups.patterns",
                               "discovery.cgroups.type_rules",
                               "discovery.cgroups.per_cgroup_counting_threshold",
                               "discovery.static",
                               "sampling.interval",
                               "sampling.events",
                               "sampling.cgroup_root",
                               "sampling.proc_root",
                               "sampling.disk_bandwidth_bytes_per_s",
                               "sampling.network_bandwidth_bytes_per_s",
                               "fingerprint.window_ticks",
                               "fingerprint.ring_capacity",
                               "drift.threshold_quantile",
                               "drift.distance",
                               "drift.covariance_shrinkage",
                               "drift.rule",
                               "drift.cusum_slack",
                               "drift.cusum_limit",
                               "drift.k",
                               "drift.n",
                               "drift.min_baseline_windows",
                               "drift.scale_floor",
                               "drift.end_hold_ticks",
                               "predict.k",
                               "predict.min_neighbours",
                               "predict.horizon",
                               "predict.other_type_penalty",
                               "predict.magnitude_weight",
                               "predict.refine_ticks",
                               "predict.confidence_distance",
                               "predict.history_max_patterns",
                               "predict.history_max_age",
                               "plan.headroom_margin",
                               "plan.hysteresis",
                               "plan.scale_down_window",
                               "plan.overcommit_ratio",
                               "plan.breaker_flips_per_hour",
                               "plan.verify_settle",
                               "store.backend",
                               "store.path",
                               "store.postgres_conninfo",
                               "store.cache_refresh",
                               "store.retention.instance_baselines",
                               "store.retention.stale_versions",
                               "control.enabled",
                               "control.socket_path",
                               "control.group",
                               "control.max_request_bytes",
                               "control.max_requests_per_second",
                               "metrics.enabled",
                               "metrics.address"};
    for (const char* r : {"cpu", "memory", "disk", "network"}) {
      for (const char* f : {"min", "max", "max_step_fraction", "cooldown"}) {
        k.insert(std::string("plan.") + r + "." + f);
      }
    }
    return k;
  }();
  return keys;
}

TEST(ShippedConfig, SetsEveryKeyOfTheSchema) {
  std::set<std::string> leaves;
  collect_leaves(YAML::LoadFile(shipped_config()), "", leaves);
  EXPECT_EQ(leaves, all_keys());
}

TEST(ShippedConfig, EveryKeyOfTheSchemaIsAccepted) {
  // The all-non-default fixture sets every key too; it compiles, so no key is unknown.
  std::set<std::string> leaves;
  collect_leaves(YAML::LoadFile(fixture("valid_all_non_default.yaml")), "", leaves);
  EXPECT_EQ(leaves, all_keys());
  EXPECT_THAT(diagnostics(load_config_file(fixture("valid_all_non_default.yaml"))),
              ::testing::IsEmpty());
}

TEST(ShippedConfig, EveryKeyHasACommentAbove) {
  // "Every key documented": a key line is preceded by a comment line, or by a sibling key
  // of the same comment block (blocks such as keepalive_interval/keepalive_count).
  std::ifstream in(shipped_config());
  std::string line;
  std::string previous;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto first = line.find_first_not_of(' ');
    const bool is_key = first != std::string::npos && line[first] != '#' && line[first] != '-' &&
                        line.find(':') != std::string::npos && first > 0;
    const bool nested_section = is_key && line.back() == ':';
    if (is_key && !nested_section) {
      const auto prev_first = previous.find_first_not_of(' ');
      const bool documented = prev_first != std::string::npos &&
                              (previous[prev_first] == '#' || previous.back() != ':');
      EXPECT_TRUE(documented) << "line " << line_number << ": " << line;
    }
    previous = line;
  }
}

}  // namespace
}  // namespace augur::config
