// `augurctl sample --json` run as the real binary against a real process of this host (a
// `sleep` child named by pid in a static discovery entry): every row carries the drift
// object, honest while the baseline learns (null score and threshold, state "learning") and
// filled once a trusted, calibrated baseline judges the instance.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "augur/fingerprint/feature_table.h"
#include "test_process.h"

namespace augur::testing {
namespace {

using nlohmann::json;

// A config that discovers only `pid`, as instance "probe" of type "idle".
std::string config_for(const TempDir& dir, pid_t pid, const std::string& extra) {
  return "daemon:\n  runtime_dir: " + dir.file("run") + "\n  state_dir: " + dir.file("state") +
         "\nlog:\n  target: stderr\n"
         "discovery:\n  libvirt:\n    enabled: false\n  static:\n"
         "    - name: probe\n      pid: " +
         std::to_string(pid) + "\n      type: idle\n" + extra;
}

struct SampleRun {
  int exit_code = -1;
  std::vector<json> rows;
  std::string err;
};

SampleRun run_sample(const TempDir& dir, const std::string& config, int ticks,
                     const char* interval) {
  write_file(dir.file("augur.yaml"), config);
  SampleRun r;
  r.exit_code = run_to_exit({AUGURCTL_PATH, "sample", "-c", dir.file("augur.yaml"), "-n",
                             std::to_string(ticks), "-i", interval, "--json"},
                            dir.file("out"), dir.file("err"));
  r.err = read_file(dir.file("err"));
  std::istringstream lines(read_file(dir.file("out")));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) r.rows.push_back(json::parse(line));
  }
  return r;
}

void expect_drift_shape(const json& row) {
  ASSERT_TRUE(row.contains("drift")) << row.dump();
  const json& d = row["drift"];
  ASSERT_TRUE(d.is_object());
  for (const char* key : {"score", "threshold", "state", "top_features"}) {
    EXPECT_TRUE(d.contains(key)) << key << " in " << d.dump();
  }
  EXPECT_TRUE(d["score"].is_null() || d["score"].is_number()) << d.dump();
  EXPECT_TRUE(d["threshold"].is_null() || d["threshold"].is_number()) << d.dump();
  EXPECT_TRUE(d["state"] == "learning" || d["state"] == "trusted") << d.dump();
  ASSERT_TRUE(d["top_features"].is_array());
  EXPECT_LE(d["top_features"].size(), 3u);
  for (const json& f : d["top_features"]) {
    EXPECT_TRUE(f["name"].is_string());
    EXPECT_TRUE(f["contribution"].is_number());
  }
}

class SampleCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    sleeper_.emplace(std::vector<std::string>{"/bin/sleep", "60"}, std::vector<std::string>{},
                     dir_.file("sleep.out"), dir_.file("sleep.err"));
  }
  TempDir dir_;
  std::optional<Child> sleeper_;
};

TEST_F(SampleCommand, ShowsTheBaselineStillLearningAfterAFewTicks) {
  const SampleRun r = run_sample(dir_, config_for(dir_, sleeper_->pid(), ""), 3, "0.05");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(r.rows.empty()) << r.err;
  for (const json& row : r.rows) {
    ASSERT_EQ(row["name"], "probe") << row.dump();
    expect_drift_shape(row);
    EXPECT_TRUE(row["drift"]["score"].is_null()) << row.dump();
    EXPECT_TRUE(row["drift"]["threshold"].is_null()) << row.dump();
    EXPECT_EQ(row["drift"]["state"], "learning");
    EXPECT_TRUE(row["drift"]["top_features"].empty());
  }
}

// The smallest window and trust count the config allows, so a baseline is trusted after 8
// windows and its threshold calibrated after 100 more scores, within ~130 ticks.
TEST_F(SampleCommand, ShowsScoreThresholdAndTopFeaturesOnceTrusted) {
  const std::string extra =
      "fingerprint:\n  window_ticks: 8\n  ring_capacity: 16\n"
      "drift:\n  min_baseline_windows: 1\n";
  const SampleRun r = run_sample(dir_, config_for(dir_, sleeper_->pid(), extra), 140, "0.05");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(r.rows.empty()) << r.err;
  int learning = 0;
  int trusted = 0;
  std::set<std::string> known_names;
  for (const json& row : r.rows) {
    expect_drift_shape(row);
    const json& d = row["drift"];
    if (d["state"] == "learning") {
      ++learning;
      EXPECT_TRUE(d["score"].is_null());
      EXPECT_EQ(trusted, 0) << "learning again after trusted: " << row.dump();
      continue;
    }
    ++trusted;
    EXPECT_TRUE(d["score"].is_number()) << d.dump();
    EXPECT_GT(d["threshold"].get<double>(), 0) << d.dump();
    EXPECT_EQ(d["baseline"], "instance");
    EXPECT_EQ(d["top_features"].size(), 3u) << d.dump();
    for (const json& f : d["top_features"]) known_names.insert(f["name"].get<std::string>());
  }
  std::printf("[ augurctl sample ] %d rows learning, %d trusted; top feature names seen: %zu\n",
              learning, trusted, known_names.size());
  EXPECT_GT(learning, 100);
  EXPECT_GT(trusted, 0);
  for (const std::string& name : known_names) {
    EXPECT_TRUE(fingerprint::feature_index(name).has_value()) << name;  // from the table
  }
}

}  // namespace
}  // namespace augur::testing
