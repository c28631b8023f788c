#include "augur/log/rate_limited.h"

#include <gtest/gtest.h>

namespace augur::log {
namespace {
using namespace std::chrono_literals;

TEST(RateLimiter, FirstFailureIsLoggedThenHeldBackWithinTheWindow) {
  FakeClock clock;
  RateLimiter limiter(60s);
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.allow("libvirt", clock.now(), &suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 5; ++i) {
    clock.advance(1s);
    EXPECT_FALSE(limiter.allow("libvirt", clock.now()));
  }
  clock.advance(60s);
  EXPECT_TRUE(limiter.allow("libvirt", clock.now(), &suppressed));
  EXPECT_EQ(suppressed, 5u);
}

TEST(RateLimiter, KeysAreIndependentAndClearingReArms) {
  FakeClock clock;
  RateLimiter limiter(60s);
  EXPECT_TRUE(limiter.allow("a", clock.now()));
  EXPECT_TRUE(limiter.allow("b", clock.now()));
  EXPECT_FALSE(limiter.allow("a", clock.now()));
  limiter.clear("a");
  EXPECT_TRUE(limiter.allow("a", clock.now()));
}

}  // namespace
}  // namespace augur::log
