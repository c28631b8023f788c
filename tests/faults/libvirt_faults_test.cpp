// libvirt faults against a real libvirtd (libvirtd_process.h: the test's own, its sockets in a
// private directory, serving libvirt's test driver over test+unix://): a libvirtd that stops
// answering (SIGSTOP) is dropped by keepalive within interval x (count + 1); connections
// closed under the real augurd by libvirtd's admin interface are reopened; a libvirtd
// SIGKILLed and restarted is reported once per source and reconnected with backoff, and one
// frozen under augurd costs VM statistics but no tick, while augurd's sampler keeps its tick
// throughout.
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "augur/discovery/libvirt_connection.h"
#include "augur/discovery/libvirt_event_loop.h"
#include "augur/discovery/libvirt_source.h"
#include "augurd_rig.h"
#include "libvirtd_process.h"

namespace augur::testing::faults {
namespace {

using namespace std::chrono_literals;
using SteadyClk = std::chrono::steady_clock;

double seconds_since(SteadyClk::time_point t) {
  return std::chrono::duration<double>(SteadyClk::now() - t).count();
}

bool has_instance(const nlohmann::json& data, const std::string& name) {
  if (!data.is_object() || !data.contains("instances")) return false;
  for (const auto& i : data["instances"]) {
    if (i.value("name", "") == name) return true;
  }
  return false;
}

// Polls augurd's instance list until `name` shows; seconds taken, or -1 after `limit`.
double wait_for_instance(const AugurdRig& rig, const std::string& name, double limit) {
  const auto t0 = SteadyClk::now();
  while (seconds_since(t0) < limit) {
    if (has_instance(rig.instances(), name)) return seconds_since(t0);
    std::this_thread::sleep_for(100ms);
  }
  return -1;
}

// The sampler's tick over a wall-clock window: ticks served and missed.
struct TickWindow {
  long long ticks = 0;
  long long missed = 0;
  double seconds = 0;
  [[nodiscard]] long long expected(std::chrono::milliseconds interval) const {
    return static_cast<long long>(seconds * 1000.0 / static_cast<double>(interval.count()));
  }
};

class TickMeter {
 public:
  explicit TickMeter(const AugurdRig& rig) : rig_(rig), t0_(SteadyClk::now()), s0_(rig.status()) {}
  TickWindow read() const {
    const nlohmann::json s = rig_.status();
    TickWindow w;
    w.seconds = seconds_since(t0_);
    if (!s.is_object() || !s0_.is_object()) return w;
    w.ticks = s["ticks"].get<long long>() - s0_["ticks"].get<long long>();
    w.missed = s["missed_ticks"].get<long long>() - s0_["missed_ticks"].get<long long>();
    return w;
  }

 private:
  const AugurdRig& rig_;
  SteadyClk::time_point t0_;
  nlohmann::json s0_;
};

// A connection of the test's own, holding the test driver's state (a fresh libvirtd starts
// from the driver's default domain "test" alone) while it defines a domain.
struct TestConnection {
  explicit TestConnection(const std::string& uri) : conn(virConnectOpen(uri.c_str())) {}
  ~TestConnection() {
    if (conn != nullptr) virConnectClose(conn);
  }
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;
  virConnectPtr conn;
};

TEST(LibvirtFaults, KeepaliveDropsAFrozenLibvirtdWithinItsWindowAndTheSourceReconnects) {
  if (const std::string why = libvirtd_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  LibvirtdProcess libvirtd;
  ASSERT_EQ(libvirtd.start(), "");
  auto loop = discovery::LibvirtEventLoop::start();
  ASSERT_TRUE(loop) << loop.error().message();
  SteadyClock clock;
  discovery::LibvirtConnectionOptions o;
  o.uri = libvirtd.uri();
  o.keepalive_interval = 1s;
  o.keepalive_count = 2;
  o.backoff_min = 200ms;
  o.backoff_max = 400ms;
  {
    discovery::LibvirtConnection conn(o, clock);
    ASSERT_TRUE(conn.get()) << "open through the real libvirtd";
    EXPECT_TRUE(conn.keepalive_enabled()) << conn.keepalive_status();
    EXPECT_EQ(conn.keepalive_status(), "on");
  }
  discovery::LibvirtSourceOptions so;
  so.connection = o;
  discovery::LibvirtSource source(so, clock);
  auto first = source.discover();
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ(first->size(), 1u);

  // libvirtd stops answering: the call in flight is abandoned once keepalive gives up
  // (2 unanswered probes 1 s apart: about 3 s), not left to hang.
  libvirtd.freeze();
  const auto t0 = SteadyClk::now();
  auto frozen = source.discover();
  const double stalled_s = seconds_since(t0);
  libvirtd.thaw();
  ASSERT_FALSE(frozen) << "a frozen libvirtd answered";
  std::printf("[ faults ] frozen libvirtd: discover() failed after %.2f s: %s\n", stalled_s,
              frozen.error().message().c_str());
  EXPECT_GE(stalled_s, 1.0) << "failed before keepalive could have: " << frozen.error().message();
  EXPECT_LE(stalled_s, 4.5) << "keepalive (1 s x 2) did not bound the stall";

  // Thawed: the dead connection is replaced (after at most the 400 ms backoff).
  const auto t1 = SteadyClk::now();
  Result<std::vector<Instance>> again = Error{"not tried", ""};
  while (seconds_since(t1) < 5 && !(again = source.discover())) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->size(), 1u);
  std::printf("[ faults ] reconnected %.2f s after the thaw\n", seconds_since(t1));
  RecordProperty("stall_seconds", std::to_string(stalled_s));
}

// A real libvirtd of the test's own and the real augurd on it (tick 100 ms, keepalive 1 s x 2).
class AugurdLibvirtFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = libvirtd_skip_reason(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_EQ(libvirtd.start(), "");
    ro.libvirt_uri = libvirtd.uri();
  }
  // Starts augurd; false (with a failure) if it does not answer.
  bool start_augurd() {
    rig = std::make_unique<AugurdRig>(ro);
    EXPECT_TRUE(rig->start()) << rig->log();
    return !HasFailure();
  }
  // Starts augurd and waits until it lists the test driver's domain "test".
  bool start_augurd_and_see_test_domain() {
    if (!start_augurd()) return false;
    EXPECT_GE(wait_for_instance(*rig, "test", 10), 0) << "augurd never listed the test domain\n"
                                                      << rig->log();
    return !HasFailure();
  }

  LibvirtdProcess libvirtd;
  RigOptions ro;
  std::unique_ptr<AugurdRig> rig;
};

TEST_F(AugurdLibvirtFaults, ConnectionsClosedUnderTheDaemonAreReopenedWithoutLosingATick) {
  TestConnection mine(libvirtd.uri());
  ASSERT_NE(mine.conn, nullptr) << last_libvirt_error();
  ASSERT_TRUE(start_augurd_and_see_test_domain());

  TickMeter meter(*rig);
  std::string error;
  const int closed = libvirtd.close_clients_of(rig->pid(), &error);
  ASSERT_GE(closed, 1) << "augurd had no connection to close: " << error;
  // Only a reopened connection can see a domain made after the close.
  ASSERT_TRUE(create_test_domain(mine.conn, "after-close")) << last_libvirt_error();
  const double seen_after = wait_for_instance(*rig, "after-close", 10);
  std::this_thread::sleep_for(1s);
  const TickWindow w = meter.read();
  const std::string log = rig->log();
  EXPECT_GE(seen_after, 0) << "augurd did not reconnect after its " << closed
                           << " connection(s) were closed\n"
                           << log;
  std::printf(
      "[ faults ] %d augurd connection(s) closed by libvirtd; new domain seen after %.2f s; "
      "%lld ticks in %.2f s (expected %lld), %lld missed\n",
      closed, seen_after, w.ticks, w.seconds, w.expected(ro.interval), w.missed);
  EXPECT_GE(w.ticks, w.expected(ro.interval) * 8 / 10) << "the sampler lost its tick";
  EXPECT_EQ(w.missed, 0);
  // At most one report per source for a closed connection.
  EXPECT_LE(count(log, "discovery source libvirt failed"), 1u) << log;
  EXPECT_LE(count(log, "libvirt domain stats unavailable"), 1u) << log;
  EXPECT_EQ(rig->stop(), std::optional<int>(0));
}

// A libvirtd that stops answering holds every call on its connections until keepalive gives
// up (1 s x 2 here). augurd's libvirt calls run off the sampler thread, which waits a
// quarter of its tick for them: the tick is kept, missing VM statistics and the failed
// discovery are reported once each, and each recovery once.
TEST_F(AugurdLibvirtFaults, AFrozenLibvirtdCostsVmStatisticsNotTheTick) {
  ASSERT_TRUE(start_augurd_and_see_test_domain());

  TickMeter meter(*rig);
  libvirtd.freeze();
  std::this_thread::sleep_for(5s);  // past keepalive's 3 s
  const TickWindow frozen = meter.read();
  const bool listed_while_frozen = has_instance(rig->instances(), "test");
  const std::string log_frozen = rig->log();
  libvirtd.thaw();

  const auto thawed_at = SteadyClk::now();
  TestConnection mine(libvirtd.uri());
  ASSERT_NE(mine.conn, nullptr) << last_libvirt_error();
  ASSERT_TRUE(create_test_domain(mine.conn, "after-thaw")) << last_libvirt_error();
  const double back_after = wait_for_instance(*rig, "after-thaw", 15);
  std::this_thread::sleep_for(1s);  // a few more ticks for the stats to come back
  const TickWindow all = meter.read();
  const std::string log = rig->log();

  std::printf(
      "[ faults ] libvirtd frozen %.2f s: %lld ticks (expected %lld), %lld missed; new domain "
      "seen %.2f s after the thaw; whole window %lld ticks in %.2f s (expected %lld), %lld "
      "missed\n",
      frozen.seconds, frozen.ticks, frozen.expected(ro.interval), frozen.missed, back_after,
      all.ticks, all.seconds, all.expected(ro.interval), all.missed);
  std::printf("%s%s%s%s", lines_with(log, "VM statistics are missing").c_str(),
              lines_with(log, "discovery source libvirt failed").c_str(),
              lines_with(log, "answers again").c_str(), lines_with(log, "available again").c_str());
  EXPECT_GE(frozen.ticks, frozen.expected(ro.interval) * 8 / 10)
      << "a frozen libvirtd stalled the tick\n"
      << log_frozen;
  EXPECT_EQ(frozen.missed, 0);
  EXPECT_GE(all.ticks, all.expected(ro.interval) * 8 / 10) << "the sampler lost its tick";
  EXPECT_TRUE(listed_while_frozen) << "the last instance list is kept while libvirtd hangs";
  EXPECT_GE(back_after, 0) << "augurd did not see libvirtd again after the thaw\n" << log;
  // Each condition reported once, while it held; each end once.
  EXPECT_EQ(count(log_frozen, "VM statistics are missing"), 1u) << log_frozen;
  EXPECT_EQ(count(log_frozen, "discovery source libvirt failed"), 1u) << log_frozen;
  EXPECT_NE(log_frozen.find("keepalive"), std::string::npos) << log_frozen;
  EXPECT_EQ(count(log, "VM statistics are missing"), 1u) << log;
  EXPECT_EQ(count(log, "libvirt domain stats available again"), 1u) << log;
  EXPECT_EQ(count(log, "discovery source libvirt answers again"), 1u) << log;
  std::printf("[ faults ] thawed: seen again after %.2f s\n", seconds_since(thawed_at));
  EXPECT_EQ(rig->stop(), std::optional<int>(0));
}

// Started while libvirtd is frozen, augurd's first libvirt connection hangs in its handshake
// (keepalive starts only once a connection is open), so the first discovery run never ends
// until the thaw. The tick goes on meanwhile, the hung run is reported once, and its end once.
TEST_F(AugurdLibvirtFaults, StartedAgainstAFrozenLibvirtdTheDaemonTicksAndReportsTheHungDiscovery) {
  libvirtd.freeze();
  ASSERT_TRUE(start_augurd());
  TickMeter meter(*rig);
  std::this_thread::sleep_for(6500ms);  // past the 5 s after which a run is called hung
  const TickWindow frozen = meter.read();
  const std::string log_frozen = rig->log();
  libvirtd.thaw();
  const double listed_after = wait_for_instance(*rig, "test", 15);
  const TickWindow all = meter.read();
  const std::string log = rig->log();

  std::printf(
      "[ faults ] started against a frozen libvirtd: %lld ticks in %.2f s (expected %lld), %lld "
      "missed; domain listed %.2f s after the thaw\n",
      frozen.ticks, frozen.seconds, frozen.expected(ro.interval), frozen.missed, listed_after);
  std::printf("%s%s", lines_with(log, "discovery has not finished").c_str(),
              lines_with(log, "discovery finished again").c_str());
  EXPECT_GE(frozen.ticks, frozen.expected(ro.interval) * 8 / 10)
      << "a hung first discovery stalled the tick\n"
      << log_frozen;
  EXPECT_EQ(frozen.missed, 0);
  EXPECT_GE(all.ticks, all.expected(ro.interval) * 8 / 10) << "the sampler lost its tick";
  EXPECT_EQ(count(log_frozen, "discovery has not finished"), 1u) << log_frozen;
  EXPECT_GE(listed_after, 0) << "the domain never showed after the thaw\n" << log;
  EXPECT_EQ(count(log, "discovery has not finished"), 1u) << log;
  EXPECT_EQ(count(log, "discovery finished again"), 1u) << log;
  EXPECT_EQ(rig->stop(), std::optional<int>(0));
}

TEST_F(AugurdLibvirtFaults, AKilledLibvirtdIsReportedOncePerSourceAndReconnectedAfterItsRestart) {
  ASSERT_TRUE(start_augurd_and_see_test_domain());

  TickMeter meter(*rig);
  libvirtd.kill9();
  std::this_thread::sleep_for(3s);  // three discovery runs against a dead socket
  const TickWindow down = meter.read();
  const std::string log_down = rig->log();
  EXPECT_TRUE(has_instance(rig->instances(), "test")) << "the last answer is kept while down";

  const auto restarted_at = SteadyClk::now();
  ASSERT_EQ(libvirtd.start(), "");
  TestConnection mine(libvirtd.uri());
  ASSERT_NE(mine.conn, nullptr) << last_libvirt_error();
  ASSERT_TRUE(create_test_domain(mine.conn, "after-restart")) << last_libvirt_error();
  const double back_after = wait_for_instance(*rig, "after-restart", 15);
  const double since_restart = seconds_since(restarted_at);
  const TickWindow all = meter.read();
  const std::string log = rig->log();

  std::printf(
      "[ faults ] libvirtd down %.2f s: %lld ticks (expected %lld), %lld missed; back %.2f s after "
      "its restart; whole window %lld ticks in %.2f s (expected %lld), %lld missed\n",
      down.seconds, down.ticks, down.expected(ro.interval), down.missed, since_restart, all.ticks,
      all.seconds, all.expected(ro.interval), all.missed);
  std::printf("%s%s", lines_with(log, "discovery source libvirt failed").c_str(),
              lines_with(log, "libvirt domain stats unavailable").c_str());
  EXPECT_GE(back_after, 0) << "augurd did not reconnect to the restarted libvirtd\n" << log;
  EXPECT_GE(down.ticks, down.expected(ro.interval) * 8 / 10) << "the sampler lost its tick";
  EXPECT_GE(all.ticks, all.expected(ro.interval) * 8 / 10) << "the sampler lost its tick";
  EXPECT_EQ(all.missed, 0);
  // Reported once per source (discovery, stats), each naming the cause.
  EXPECT_EQ(count(log_down, "discovery source libvirt failed"), 1u) << log_down;
  EXPECT_EQ(count(log_down, "libvirt domain stats unavailable"), 1u) << log_down;
  EXPECT_EQ(count(log, "discovery source libvirt failed"), 1u) << log;
  EXPECT_NE(log_down.find("virConnectOpen"), std::string::npos) << log_down;
  EXPECT_EQ(rig->stop(), std::optional<int>(0));
}

}  // namespace
}  // namespace augur::testing::faults
