// augur-replay end to end (through replay_main, the binary's whole logic): the JSON shape of
// issue 7, determinism, the augur policy through the engine on a synthetic phase-change
// trace, errors, CSV and plots.
#include "augur/replay/cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "augur/replay/plots.h"
#include "augur/replay/synthetic.h"
#include "replay_test_util.h"

namespace augur::replay {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct Out {
  int code = 0;
  std::string out, err;
};

Out run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "augur-replay");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  Out o;
  o.code = replay_main(static_cast<int>(argv.size()), argv.data(), out, err, false);
  o.out = out.str();
  o.err = err.str();
  return o;
}

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("augur-replay-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static Json read_json(const std::string& p) {
    std::ifstream in(p);
    return Json::parse(in);
  }
  fs::path dir_;
};

void strip_timing(Json& j) {
  if (j.is_object()) {
    j.erase("ticks_per_second");
    for (auto& [k, v] : j.items()) strip_timing(v);
  } else if (j.is_array()) {
    for (auto& v : j) strip_timing(v);
  }
}

// Three days of a phase a day on three instances: enough for fingerprint windows, drift
// baselines and episodes to form in the engine.
const std::vector<std::string> kSynthetic = {"--synthetic",      "11", "--synthetic-instances", "3",
                                             "--synthetic-days", "3"};

TEST_F(ReplayCli, JsonHasTheShapeOfTheIssueAndTwoRunsAreIdentical) {
  auto args = kSynthetic;
  args.insert(args.end(), {"--json", path("a.json"), "-q"});
  const Out a = run_cli(args);
  ASSERT_EQ(a.code, kExitOk) << a.err;
  args[args.size() - 2] = path("b.json");
  ASSERT_EQ(run_cli(args).code, kExitOk);

  Json ja = read_json(path("a.json"));
  Json jb = read_json(path("b.json"));
  EXPECT_EQ(ja["trace"], "synthetic:11");
  EXPECT_EQ(ja["instances"], 3);
  EXPECT_EQ(ja["ticks"], 3 * 288);
  EXPECT_TRUE(ja["ticks_per_second"].is_number());
  const char* metrics[] = {"under_provisioned_minutes",
                           "unmet_demand",
                           "mean_relative_slack",
                           "mean_instance_slack",
                           "changes_per_instance_day",
                           "lead_time_hit_rate",
                           "rises",
                           "covered",
                           "hits",
                           "prediction_error"};
  for (const char* policy : {"static", "reactive", "augur", "oracle"}) {
    ASSERT_TRUE(ja["policies"].contains(policy)) << policy;
    const Json& p = ja["policies"][policy];
    std::vector<const Json*> ms = {&p["total"]};
    for (const char* r : {"cpu", "memory", "disk", "network"}) ms.push_back(&p["resources"][r]);
    for (const Json* m : ms) {
      for (const char* key : metrics) EXPECT_TRUE(m->contains(key)) << policy << " " << key;
      EXPECT_TRUE((*m)["rises"].is_number_integer());
      if (std::string(policy) != "augur") {
        EXPECT_TRUE((*m)["prediction_error"].is_null());
      }
    }
  }
  // The oracle's 1.05 x peak always fits: it is never short.
  EXPECT_EQ(ja["policies"]["oracle"]["total"]["under_provisioned_minutes"], 0.0);
  EXPECT_GT(ja["policies"]["static"]["total"]["rises"].get<int>(), 0);

  strip_timing(ja);
  strip_timing(jb);
  EXPECT_EQ(ja.dump(), jb.dump());
}

TEST_F(ReplayCli, AugurRunsThroughTheEngineAndActsOnPhaseChanges) {
  auto args = kSynthetic;
  args.insert(args.end(), {"--policy", "augur,static", "--json", path("r.json"), "-q"});
  const Out o = run_cli(args);
  ASSERT_EQ(o.code, kExitOk) << o.err;
  const Json j = read_json(path("r.json"));
  ASSERT_EQ(j["policies"].size(), 2u);
  const Json& augur = j["policies"]["augur"]["total"];
  const Json& fixed = j["policies"]["static"]["total"];
  // The planner grows allocations into the phases the static policy leaves short.
  EXPECT_GT(augur["changes_per_instance_day"].get<double>(), 0.0);
  EXPECT_LT(augur["under_provisioned_minutes"].get<double>(),
            fixed["under_provisioned_minutes"].get<double>());
  EXPECT_TRUE(j["policies"]["augur"].contains("predictions_made"));
}

TEST_F(ReplayCli, TableOnStdoutOrOnStderrWhenStdoutCarriesJson) {
  auto args = kSynthetic;
  args.insert(args.end(), {"--policy", "static", "-q"});
  Out o = run_cli(args);
  ASSERT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("under_min"), std::string::npos);
  args.insert(args.end(), {"--json", "-"});
  o = run_cli(args);
  ASSERT_EQ(o.code, kExitOk);
  EXPECT_EQ(Json::parse(o.out)["policies"].size(), 1u);
  EXPECT_NE(o.err.find("under_min"), std::string::npos);
}

TEST_F(ReplayCli, CsvHasAHeaderAndALinePerPolicyAndScope) {
  auto args = kSynthetic;
  args.insert(args.end(), {"--policy", "static,oracle", "--csv", path("f.csv"), "-q"});
  ASSERT_EQ(run_cli(args).code, kExitOk);
  std::ifstream in(path("f.csv"));
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u + 2 * 5);
  EXPECT_EQ(lines[0].rfind("trace,policy,scope,under_provisioned_minutes,", 0), 0u);
  EXPECT_EQ(lines[1].rfind("synthetic:11,static,total,", 0), 0u);
}

TEST_F(ReplayCli, ProgressOnLongRuns) {
  auto args = kSynthetic;
  args.insert(args.end(), {"--policy", "static,oracle,reactive"});
  const Out o = run_cli(args);
  ASSERT_EQ(o.code, kExitOk);
  EXPECT_NE(o.err.find("augur-replay: reactive 100% (864/864 ticks)"), std::string::npos);
}

TEST_F(ReplayCli, ErrorsHaveTheirExitCodes) {
  EXPECT_EQ(run_cli({}).code, kExitUsage);  // neither --trace nor --synthetic
  EXPECT_EQ(run_cli({"--synthetic", "1", "--policy", "hpa"}).code, kExitUsage);
  EXPECT_EQ(run_cli({"--trace", "/x", "--format", "csv"}).code, kExitUsage);
  const Out missing = run_cli({"--trace", "/nonexistent/trace.csv"});
  EXPECT_EQ(missing.code, kExitDataErr);
  EXPECT_NE(missing.err.find("/nonexistent/trace.csv"), std::string::npos);
  std::ofstream(path("bad.yaml")) << "plan:\n  headroom_margin: 7\n";
  const Out bad = run_cli({"--synthetic", "1", "--config", path("bad.yaml")});
  EXPECT_EQ(bad.code, kExitDataErr);
  EXPECT_NE(bad.err.find("bad.yaml:2:"), std::string::npos) << bad.err;
  EXPECT_EQ(run_cli({"--help"}).code, kExitOk);
}

TEST_F(ReplayCli, RealBitbrainsFolderReplaysFromTheCommandLine) {
  const Out o = run_cli({"--trace", test::shared_data("bitbrains_rnd/2013-9"), "--format",
                         "bitbrains", "--policy", "static", "--json", path("b.json"), "-q"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  const Json j = read_json(path("b.json"));
  EXPECT_EQ(j["instances"], 5);
  EXPECT_EQ(j["input"]["duplicate_rows"], 11942 - 10116);  // 2013-9/41.csv
  EXPECT_NE(o.err.find("rows dropped"), std::string::npos);
}

TEST_F(ReplayCli, PlotsArePngsMadeByGnuplot) {
  auto args = kSynthetic;
  args.insert(args.end(), {"--policy", "static,oracle", "--plots", path("plots"), "--plot-instance",
                           "syn-1", "-q"});
  const Out o = run_cli(args);
  ASSERT_EQ(o.code, kExitOk) << o.err;
  ASSERT_EQ(o.err.find("not found"), std::string::npos)
      << "gnuplot-nox (.ci/packages.txt) must be installed: " << o.err;
  for (const char* f : {"syn-1_cpu.png", "syn-1_memory.png", "summary.png", "plots.gp",
                        "syn-1_cpu.dat", "summary.dat"}) {
    ASSERT_TRUE(fs::exists(path(std::string("plots/") + f))) << f;
  }
  std::ifstream png(path("plots/summary.png"), std::ios::binary);
  char sig[8] = {};
  png.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  EXPECT_FALSE(fs::exists(path("plots/syn-0_cpu.png")));  // only the chosen instance
}

TEST_F(ReplayCli, WithoutGnuplotTheDataAndScriptStayAndTheNoteSaysWhy) {
  SyntheticOptions so;
  so.instances = 1;
  so.steps = 50;
  auto host = build_host(make_synthetic_trace(so));
  ASSERT_TRUE(host.has_value());
  auto p = make_static_policy();
  auto r = run_policy(*host, *p);
  ASSERT_TRUE(r.has_value());
  ReplayReport report;
  report.host = &*host;
  report.runs.push_back(std::move(r).value());
  PlotOptions po;
  po.dir = path("noplot");
  po.gnuplot = "/nonexistent/gnuplot";
  auto res = write_plots(report, po);
  ASSERT_TRUE(res.has_value());
  EXPECT_FALSE(res->gnuplot_ran);
  EXPECT_NE(res->note.find("not found"), std::string::npos);
  EXPECT_TRUE(fs::exists(path("noplot/plots.gp")));
  EXPECT_TRUE(fs::exists(path("noplot/syn-0_cpu.dat")));
}

}  // namespace
}  // namespace augur::replay
