#include "augur/daemon/tick_schedule.h"

#include <gtest/gtest.h>

namespace augur::daemon {
namespace {
using namespace std::chrono_literals;

TEST(TickSchedule, DeadlinesStayOnTheGridWhenTicksAreShort) {
  const SteadyTime origin{};
  TickSchedule s(origin, 1s);
  SteadyTime d = s.first();
  EXPECT_EQ(d, origin + 1s);
  // Each tick finishes 300 ms late; the grid does not slide.
  for (int k = 2; k <= 100; ++k) {
    NextTick n = s.after(d, d + 300ms);
    EXPECT_EQ(n.deadline, origin + k * 1s);
    EXPECT_EQ(n.missed, 0u);
    d = n.deadline;
  }
}

TEST(TickSchedule, OverrunSkipsAndCountsMissedGridPoints) {
  const SteadyTime origin{};
  TickSchedule s(origin, 1s);
  // The tick served at 1 s ran until 3.5 s: the 2 s and 3 s ticks are skipped.
  NextTick n = s.after(origin + 1s, origin + 3500ms);
  EXPECT_EQ(n.deadline, origin + 4s);
  EXPECT_EQ(n.missed, 2u);
}

TEST(TickSchedule, FinishingExactlyOnTheNextDeadlineSkipsIt) {
  const SteadyTime origin{};
  TickSchedule s(origin, 1s);
  NextTick n = s.after(origin + 1s, origin + 2s);
  EXPECT_EQ(n.deadline, origin + 3s);
  EXPECT_EQ(n.missed, 1u);
}

}  // namespace
}  // namespace augur::daemon
