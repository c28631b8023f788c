// The wall clock stepped under the real augurd, forward ten minutes and back ten minutes (as
// an NTP step or an operator's `date -s` would), each for 1.5 s, then put back from CLOCK_MONOTONIC
// at once: the sampler's tick (steady_clock deadlines, condition-variable waits on the
// monotonic clock) neither bursts nor stalls, and the control socket answers throughout.
// Root only (clock_settime); runs alone (RUN_SERIAL) and restores the clock even when an
// assertion fails.
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "augurd_rig.h"

namespace augur::testing::faults {
namespace {

using namespace std::chrono_literals;

std::int64_t ns(const timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

timespec from_ns(std::int64_t v) {
  return timespec{static_cast<time_t>(v / 1'000'000'000), static_cast<long>(v % 1'000'000'000)};
}

// Remembers the wall clock against the monotonic one and puts it back on destruction.
class WallClockStep {
 public:
  WallClockStep() {
    ::clock_gettime(CLOCK_REALTIME, &wall0_);
    ::clock_gettime(CLOCK_MONOTONIC, &mono0_);
  }
  ~WallClockStep() { restore(); }
  WallClockStep(const WallClockStep&) = delete;
  WallClockStep& operator=(const WallClockStep&) = delete;

  // The wall clock set to the true time + `offset`; errno on failure, else 0.
  int step(std::chrono::seconds offset) {
    const timespec t = from_ns(true_now() + std::chrono::nanoseconds(offset).count());
    if (::clock_settime(CLOCK_REALTIME, &t) != 0) return errno;
    stepped_ = true;
    return 0;
  }
  void restore() {
    if (!stepped_) return;
    const timespec t = from_ns(true_now());
    ::clock_settime(CLOCK_REALTIME, &t);
    stepped_ = false;
  }
  // Wall clock minus the true time, in seconds.
  double offset_s() const {
    timespec w{};
    ::clock_gettime(CLOCK_REALTIME, &w);
    return static_cast<double>(ns(w) - true_now()) / 1e9;
  }

 private:
  std::int64_t true_now() const {
    timespec m{};
    ::clock_gettime(CLOCK_MONOTONIC, &m);
    return ns(wall0_) + (ns(m) - ns(mono0_));
  }
  timespec wall0_{};
  timespec mono0_{};
  bool stepped_ = false;
};

struct Window {
  long long ticks = -1;
  long long missed = -1;
  double seconds = 0;    // between the two readings
  bool answered = true;  // augurctl answered at every poll
  // Grid points of 100 ms in the window.
  [[nodiscard]] long long expected() const { return static_cast<long long>(seconds * 10); }
};

// Ticks and missed ticks over `how_long`, polling augurctl every 250 ms.
Window measure(const AugurdRig& rig, std::chrono::milliseconds how_long) {
  const nlohmann::json s0 = rig.status();
  const auto t0 = std::chrono::steady_clock::now();
  Window w;
  const auto until = t0 + how_long;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(250ms);
    if (!rig.status().is_object()) w.answered = false;
  }
  const nlohmann::json s1 = rig.status();
  w.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s0.is_object() || !s1.is_object()) return Window{-1, -1, w.seconds, false};
  w.ticks = s1["ticks"].get<long long>() - s0["ticks"].get<long long>();
  w.missed = s1["missed_ticks"].get<long long>() - s0["missed_ticks"].get<long long>();
  return w;
}

// Ten minutes: as telling for a 100 ms tick as an hour, and small enough that nothing else on
// the machine (a CI supervisor's own deadline, say) is misled while the step lasts.
constexpr std::chrono::minutes kStep{10};

TEST(AugurdClockStep, TheTickIgnoresTheWallClockSteppedForwardAndBack) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to step the wall clock (clock_settime)";
  AugurdRig rig;  // 100 ms ticks
  ASSERT_TRUE(rig.start()) << rig.log();
  std::this_thread::sleep_for(500ms);
  const Window before = measure(rig, 1500ms);

  WallClockStep clock;
  if (const int e = clock.step(kStep); e != 0) {
    GTEST_SKIP() << "clock_settime(CLOCK_REALTIME) refused: " << std::strerror(e);
  }
  const double forward_offset = clock.offset_s();
  const Window forward = measure(rig, 1500ms);
  clock.restore();
  ASSERT_EQ(clock.step(-kStep), 0);
  const double back_offset = clock.offset_s();
  const Window back = measure(rig, 1500ms);
  clock.restore();
  const double restored_offset = clock.offset_s();
  const Window after = measure(rig, 1000ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();

  std::printf(
      "[ faults ] ticks at 100 ms: before %lld in %.2f s (missed %lld); wall clock %+.0f s: %lld "
      "in %.2f s (missed %lld); wall clock %+.0f s: %lld in %.2f s (missed %lld); after the "
      "restore (%+.3f s): %lld in %.2f s\n",
      before.ticks, before.seconds, before.missed, forward_offset, forward.ticks, forward.seconds,
      forward.missed, back_offset, back.ticks, back.seconds, back.missed, restored_offset,
      after.ticks, after.seconds);
  EXPECT_NEAR(forward_offset, 600, 1);
  EXPECT_NEAR(back_offset, -600, 1);
  EXPECT_NEAR(restored_offset, 0, 0.05) << "the wall clock was put back";
  for (const auto& [name, w] :
       {std::pair{"before", before}, std::pair{"forward", forward}, std::pair{"back", back}}) {
    // A wait on the wall clock would stall (ten minutes back: no tick) or burst (ten minutes
    // ahead: every wait returns at once).
    EXPECT_GE(w.ticks, w.expected() * 8 / 10) << name;
    EXPECT_LE(w.ticks, w.expected() + 2) << name;
    EXPECT_EQ(w.missed, 0) << name;
    EXPECT_TRUE(w.answered) << name << ": augurctl got no answer";
  }
  EXPECT_GE(after.ticks, after.expected() * 8 / 10);
  EXPECT_LE(after.ticks, after.expected() + 2);
  EXPECT_EQ(count(rig.log(), " error "), 0u) << rig.log();
}

}  // namespace
}  // namespace augur::testing::faults
