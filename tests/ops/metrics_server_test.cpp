// The /metrics server over real sockets on loopback: it answers a scrape with the
// registry's exposition (accepted by the strict checker and by promtool), answers bad
// requests with an error and keeps serving, and stops promptly even with a stalled client.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "augur/metrics/augur_families.h"
#include "augur/metrics/server.h"
#include "exposition_checker.h"
#include "http_client.h"
#include "spawn.h"

namespace augur::metrics {
namespace {

using namespace std::chrono_literals;
using ops_test::http_exchange;
using ops_test::kScrapeRequest;

// A registry with every Augur family set, with label values that need escaping.
void populate(MetricsRegistry& r) {
  ASSERT_TRUE(define_augur_families(r, "0.1.0"));
  for (double s : {0.0004, 0.003, 0.02, 0.2, 1.5, 30.0})
    ASSERT_TRUE(r.observe(names::kTickDuration, {}, s));
  ASSERT_TRUE(r.set_counter(names::kTicks, {}, 6));
  ASSERT_TRUE(r.set_counter(names::kMissedTicks, {}, 1));
  ASSERT_TRUE(r.set_gauge(names::kSampledThreads, {}, 42));
  ASSERT_TRUE(r.set_gauge(names::kOpenFds, {}, 431));
  ASSERT_TRUE(r.set_gauge(names::kPerfMultiplexRatio, {}, 0.5));
  ASSERT_TRUE(r.add_counter(names::kQueueDrops, {{"queue", "samples"}}, 3));
  ASSERT_TRUE(r.add_counter(names::kQueueDrops, {{"queue", "plans"}}, 0));
  ASSERT_TRUE(r.add_counter(names::kStageErrors, {}, 2));
  ASSERT_TRUE(r.set_gauge(names::kInstances, {}, 2));
  for (const std::string id : {"web-1", "odd \"vm\"\\\nname"}) {
    ASSERT_TRUE(r.set_gauge(names::kDriftScore, {{"instance", id}, {"app_type", "nginx"}}, 1.25));
    ASSERT_TRUE(r.set_gauge(names::kDriftThreshold, {{"instance", id}}, 3));
    ASSERT_TRUE(r.set_gauge(names::kInEpisode, {{"instance", id}}, 1));
    ASSERT_TRUE(r.set_gauge(names::kPredictionConfidence, {{"instance", id}}, 0.8));
    for (const char* res : {"cpu", "memory", "disk", "network"}) {
      ASSERT_TRUE(r.set_gauge(names::kPredictedIncrease, {{"instance", id}, {"resource", res}}, 1));
      ASSERT_TRUE(r.set_gauge(names::kAllocation, {{"instance", id}, {"resource", res}}, 2e9));
    }
    ASSERT_TRUE(r.add_counter(names::kChanges,
                              {{"instance", id}, {"resource", "cpu"}, {"outcome", "applied"}}));
  }
  ASSERT_TRUE(r.add_counter(names::kUndos, {}, 1));
  ASSERT_TRUE(r.add_counter(names::kBreakerTrips, {}, 1));
  ASSERT_TRUE(r.set_gauge(names::kObservePrecision, {}, 0.75));
  ASSERT_TRUE(r.set_gauge(names::kObserveRecall, {}, NAN));  // nothing to score yet
}

MetricsServerOptions loopback(std::string address = "127.0.0.1:0") {
  MetricsServerOptions o;
  o.address = std::move(address);
  o.client_timeout = 500ms;
  return o;
}

void expect_scrape_works(const MetricsServer& server, const MetricsRegistry& registry) {
  const auto answer = http_exchange(server.bound(), kScrapeRequest);
  ASSERT_EQ(answer.status, 200) << answer.bytes;
  EXPECT_NE(answer.headers.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos)
      << answer.headers;
  EXPECT_NE(answer.headers.find("\r\nContent-Length: " + std::to_string(answer.body.size())),
            std::string::npos);
  EXPECT_EQ(answer.body, registry.exposition());
}

TEST(MetricsServer, AnswersAScrapeOnAnEphemeralLoopbackPort) {
  MetricsRegistry registry;
  populate(registry);
  auto server = MetricsServer::start(loopback(), registry);
  ASSERT_TRUE(server) << server.error().message();
  ASSERT_NE((*server)->port(), 0);
  EXPECT_EQ(format_address((*server)->bound()), "127.0.0.1:" + std::to_string((*server)->port()));

  const auto answer = http_exchange((*server)->bound(), kScrapeRequest);
  ASSERT_EQ(answer.status, 200) << answer.bytes;
  const auto check = ops_test::check_exposition(answer.body);
  ASSERT_TRUE(check.ok()) << check.joined_errors();
  EXPECT_EQ(check.find("augur_open_fds", {})->value, 431);
  ASSERT_NE(check.find("augur_in_episode", {{"instance", "odd \"vm\"\\\nname"}}), nullptr);

  // The next scrape sees the daemon's new values.
  ASSERT_TRUE(registry.set_gauge(names::kOpenFds, {}, 17));
  ASSERT_EQ(registry.remove_series_with_label("instance", "web-1"), 13u);
  const auto again =
      ops_test::check_exposition(http_exchange((*server)->bound(), kScrapeRequest).body);
  ASSERT_TRUE(again.ok()) << again.joined_errors();
  EXPECT_EQ(again.find("augur_open_fds", {})->value, 17);
  EXPECT_EQ(again.find("augur_in_episode", {{"instance", "web-1"}}), nullptr);
  EXPECT_EQ((*server)->scrapes(), 2u);
}

TEST(MetricsServer, ServesIpv6Loopback) {
  MetricsRegistry registry;
  populate(registry);
  auto server = MetricsServer::start(loopback("[::1]:0"), registry);
  ASSERT_TRUE(server) << server.error().message();
  EXPECT_EQ(format_address((*server)->bound()), "[::1]:" + std::to_string((*server)->port()));
  expect_scrape_works(**server, registry);
}

TEST(MetricsServer, BadRequestsGetAnErrorAndTheServerKeepsServing) {
  MetricsRegistry registry;
  populate(registry);
  auto started = MetricsServer::start(loopback(), registry);
  ASSERT_TRUE(started) << started.error().message();
  MetricsServer& server = **started;
  const auto& to = server.bound();

  const std::string oversized =
      "GET /metrics HTTP/1.1\r\nX-Padding: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const std::string endless_line(20 * 1024, 'G');  // no line feed at all
  struct Case {
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 404},
      {"GET /other HTTP/1.0\r\n\r\n", 404},
      {"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 405},
      {"DELETE /metrics HTTP/1.1\r\n\r\n", 405},
      {"GET /metrics HTTP/2.0\r\n\r\n", 505},
      {"garbage\r\n\r\n", 400},
      {std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\n\n", 13), 400},
      {oversized, 431},
      {endless_line, 431},
  };
  std::uint64_t rejected = 0;
  for (const Case& c : cases) {
    const auto answer = http_exchange(to, c.request);
    EXPECT_EQ(answer.status, c.status) << c.request.substr(0, 40) << " -> " << answer.bytes;
    EXPECT_NE(answer.headers.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_EQ(server.rejected_requests(), ++rejected);
    expect_scrape_works(server, registry);  // unharmed after every bad request
  }
  EXPECT_NE(http_exchange(to, "PUT /metrics HTTP/1.1\r\n\r\n").headers.find("\r\nAllow: GET\r\n"),
            std::string::npos);

  // A client that connects and says nothing gets 408 after client_timeout; one that hangs
  // up at once gets nothing. Neither stops the next scrape.
  const auto silent = http_exchange(to, "", 5s);
  EXPECT_EQ(silent.status, 408) << silent.bytes;
  const int quitter = ops_test::connect_only(to);
  ASSERT_GE(quitter, 0);
  ::close(quitter);
  const auto partial = http_exchange(to, "GET /metrics HTTP/1.1\r\nHost:", 5s);
  EXPECT_EQ(partial.status, 408) << partial.bytes;
  expect_scrape_works(server, registry);
}

TEST(MetricsServer, QueuedScrapesWaitForAStalledClientThenGetServed) {
  MetricsRegistry registry;
  populate(registry);
  auto started = MetricsServer::start(loopback(), registry);
  ASSERT_TRUE(started);
  MetricsServer& server = **started;
  const int staller = ops_test::connect_only(server.bound());  // holds the one connection
  ASSERT_GE(staller, 0);
  std::vector<std::thread> scrapers;
  std::vector<int> statuses(3, 0);
  for (int i = 0; i < 3; ++i) {
    scrapers.emplace_back(
        [&, i] { statuses[i] = http_exchange(server.bound(), kScrapeRequest, 10s).status; });
  }
  for (auto& t : scrapers) t.join();
  ::close(staller);
  for (int s : statuses) EXPECT_EQ(s, 200);
}

TEST(MetricsServer, StopsWhileAClientStalls) {
  MetricsRegistry registry;
  populate(registry);
  MetricsServerOptions o = loopback();
  o.client_timeout = 600s;  // stop must not wait for it: ctest's timeout would catch that
  auto started = MetricsServer::start(o, registry);
  ASSERT_TRUE(started);
  const int staller = ops_test::connect_only((*started)->bound());
  ASSERT_GE(staller, 0);
  std::this_thread::sleep_for(100ms);  // let the server thread take the connection
  (*started)->stop();
  ::close(staller);
  started->reset();
}

TEST(MetricsServer, ReportsAnAddressInUseAndABadAddress) {
  MetricsRegistry registry;
  auto first = MetricsServer::start(loopback(), registry);
  ASSERT_TRUE(first);
  auto second = MetricsServer::start(loopback(format_address((*first)->bound())), registry);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().errno_value, EADDRINUSE) << second.error().message();
  auto bad = MetricsServer::start(loopback("127.0.0.1"), registry);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("port"), std::string::npos) << bad.error().message();
}

TEST(MetricsServer, AnswersFiveHundredWhenTheSourceThrows) {
  auto started = MetricsServer::start(
      loopback(), []() -> std::string { throw std::runtime_error("snapshot failed"); });
  ASSERT_TRUE(started);
  EXPECT_EQ(http_exchange((*started)->bound(), kScrapeRequest).status, 500);
  EXPECT_EQ((*started)->rejected_requests(), 1u);
}

// promtool (Debian package prometheus, in .ci/packages.txt) parses and lints the scrape.
TEST(MetricsServer, PromtoolAcceptsTheScrape) {
  const auto promtool = ops_test::find_program("promtool");
  if (!promtool) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; .ci/install-deps "
                    "installs it)";
  }
  MetricsRegistry registry;
  populate(registry);
  auto server = MetricsServer::start(loopback(), registry);
  ASSERT_TRUE(server);
  const auto answer = http_exchange((*server)->bound(), kScrapeRequest);
  ASSERT_EQ(answer.status, 200);

  ops_test::SpawnOptions o;
  o.input = answer.body;
  o.timeout = std::chrono::seconds(60);
  const auto checked = ops_test::spawn({*promtool, "check", "metrics"}, o);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_EQ(checked.out + checked.err, "") << "promtool reported lint problems";

  // promtool is no rubber stamp: it refuses a broken exposition.
  o.input = "# TYPE a gauge\n# TYPE a gauge\na{x=\"\\q\"} 1\n";
  const auto broken = ops_test::spawn({*promtool, "check", "metrics"}, o);
  EXPECT_NE(broken.exit_code, 0) << broken.out << broken.err;
}

}  // namespace
}  // namespace augur::metrics
