// The real augurd with metrics enabled on a loopback port: a scrape over TCP carries every
// family of docs/metrics.md, counts the statically discovered child, labels its series
// with its name, advances its counters between scrapes, and passes the strict checker and
// `promtool check metrics`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <map>
#include <string>
#include <thread>

#include "../daemon/test_process.h"
#include "augur/metrics/augur_families.h"
#include "augur/metrics/listen_address.h"
#include "augur/version.h"
#include "exposition_checker.h"
#include "http_client.h"
#include "spawn.h"

namespace augur::testing {
namespace {

using namespace std::chrono_literals;

double value_of(const ops_test::CheckResult& scrape, std::string_view name,
                const std::map<std::string, std::string>& labels = {}) {
  const ops_test::ParsedSample* s = scrape.find(name, labels);
  return s == nullptr ? -1 : s->value;
}

class AugurdMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    sleeper_ = std::make_unique<Child>(std::vector<std::string>{"/bin/sleep", "120"},
                                       std::vector<std::string>{}, dir_.file("sleep.out"),
                                       dir_.file("sleep.err"));
    port_ = ops_test::free_loopback_port();
    ASSERT_GT(port_, 0);
    address_ = "127.0.0.1:" + std::to_string(port_);
    write_file(dir_.file("augur.yaml"),
               "daemon:\n  runtime_dir: " + dir_.file("run") +
                   "\n  state_dir: " + dir_.file("state") +
                   "\nlog:\n  target: stderr\n"
                   "discovery:\n  interval: 1s\n  libvirt:\n    enabled: false\n"
                   "  static:\n    - name: sleeper\n      pid: " +
                   std::to_string(sleeper_->pid()) +
                   "\n      type: batch\n"
                   "sampling:\n  interval: 100ms\n"
                   "fingerprint:\n  window_ticks: 8\n  ring_capacity: 60\n"
                   "control:\n  enabled: false\n"
                   "metrics:\n  enabled: true\n  address: " +
                   address_ + "\n");
    daemon_ = std::make_unique<Child>(
        std::vector<std::string>{AUGURD_PATH, "--config", dir_.file("augur.yaml")},
        std::vector<std::string>{}, dir_.file("augurd.out"), dir_.file("augurd.err"));
    auto parsed = metrics::parse_listen_address(address_);
    ASSERT_TRUE(parsed) << parsed.error().message();
    to_ = *parsed;
  }

  void TearDown() override {
    if (daemon_) {
      daemon_->signal(SIGTERM);
      EXPECT_EQ(daemon_->wait_exit(10s), std::optional<int>(0))
          << read_file(dir_.file("augurd.err"));
    }
  }

  // One scrape; the body in `body`, parsed by the strict checker.
  ops_test::CheckResult scrape(std::string* body = nullptr) {
    const auto answer = ops_test::http_exchange(to_, ops_test::kScrapeRequest, 5s);
    if (body != nullptr) *body = answer.body;
    if (answer.status != 200) return {};
    return ops_test::check_exposition(answer.body);
  }

  // Scrapes until augur_instances counts the child (the analyser may publish a tick or two
  // before discovery and the first sample pair have it).
  ops_test::CheckResult scrape_when_instances_known() {
    for (int i = 0; i < 150; ++i) {
      auto s = scrape();
      const ops_test::ParsedSample* n = s.find("augur_instances", {});
      if (n != nullptr && n->value > 0) return s;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "augurd never published augur_instances on " << address_ << "; its log:\n"
                  << read_file(dir_.file("augurd.err"));
    return {};
  }

  TempDir dir_;
  std::unique_ptr<Child> sleeper_;
  std::unique_ptr<Child> daemon_;
  int port_ = -1;
  std::string address_;
  metrics::ListenAddress to_;
};

TEST_F(AugurdMetrics, ServesEveryFamilyFromTheRunningDaemon) {
  const auto first = scrape_when_instances_known();
  ASSERT_TRUE(first.ok()) << first.joined_errors();
  for (const metrics::FamilySpec& f : metrics::augur_families()) {
    const auto it = first.families.find(f.name);
    ASSERT_NE(it, first.families.end()) << f.name << " missing from the scrape";
    EXPECT_TRUE(it->second.has_help && it->second.has_type) << f.name;
  }
  EXPECT_EQ(value_of(first, "augur_instances"), 1);
  EXPECT_EQ(value_of(first, "augur_build_info", {{"version", kVersion}}), 1);
  // The child's series carry its name (and its configured type).
  EXPECT_NE(first.find("augur_in_episode", {{"instance", "sleeper"}}), nullptr);
  EXPECT_NE(first.find("augur_drift_threshold", {{"instance", "sleeper"}}), nullptr);
  EXPECT_NE(first.find("augur_drift_score", {{"instance", "sleeper"}, {"app_type", "batch"}}),
            nullptr);
  EXPECT_GT(value_of(first, "augur_open_fds"), 2);
  EXPECT_EQ(value_of(first, "augur_stage_errors_total"), 0);
  EXPECT_NE(first.find("augur_queue_drops_total", {{"queue", "samples"}}), nullptr);

  const double ticks = value_of(first, "augur_ticks_total");
  const double timed = value_of(first, "augur_tick_duration_seconds_count");
  EXPECT_GT(ticks, 0);
  EXPECT_GT(timed, 0);
  std::this_thread::sleep_for(600ms);  // several 100 ms ticks
  const auto second = scrape();
  ASSERT_TRUE(second.ok()) << second.joined_errors();
  EXPECT_GT(value_of(second, "augur_ticks_total"), ticks);
  EXPECT_GT(value_of(second, "augur_tick_duration_seconds_count"), timed);
  EXPECT_GT(value_of(second, "augur_tick_duration_seconds_sum"), 0);
  // Every tick is timed; the published tick count lags the histogram by at most a publish.
  EXPECT_GE(value_of(second, "augur_tick_duration_seconds_count"),
            value_of(second, "augur_ticks_total"));
}

TEST_F(AugurdMetrics, ListensWhereConfiguredAndNowhereElse) {
  scrape_when_instances_known();
  EXPECT_NE(read_file(dir_.file("augurd.err")).find("metrics endpoint listening on " + address_),
            std::string::npos)
      << read_file(dir_.file("augurd.err"));
  // Another path is refused: the daemon serves /metrics only.
  const auto other = ops_test::http_exchange(to_, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 5s);
  EXPECT_EQ(other.status, 404);
}

// promtool (Debian package prometheus) parses and lints the daemon's own scrape.
TEST_F(AugurdMetrics, PromtoolAcceptsTheDaemonsScrape) {
  const auto promtool = ops_test::find_program("promtool");
  if (!promtool) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; .ci/install-deps "
                    "installs it)";
  }
  ASSERT_TRUE(scrape_when_instances_known().ok());
  std::string body;
  ASSERT_TRUE(scrape(&body).ok());
  ASSERT_NE(body.find("instance=\"sleeper\""), std::string::npos) << body;
  ops_test::SpawnOptions o;
  o.input = body;
  o.timeout = std::chrono::seconds(60);
  const auto checked = ops_test::spawn({*promtool, "check", "metrics"}, o);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_EQ(checked.out + checked.err, "") << "promtool reported lint problems:\n" << body;
}

}  // namespace
}  // namespace augur::testing
