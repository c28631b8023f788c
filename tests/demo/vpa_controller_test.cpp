// The demo's reactive copy is replay's VPA policy: what it does over the seconds of a demo.
#include "vpa_controller.h"

#include <gtest/gtest.h>

namespace augur::demo {
namespace {

TEST(VpaController, LeavesAQuotaWithinItsBoundsAlone) {
  VpaController vpa(Resource::kCpu, 0.2, 2);
  for (int s = 0; s < 300; ++s) {
    ASSERT_DOUBLE_EQ(vpa.decide(0.15, 0.0, 0.2), 0.2) << "second " << s;
  }
}

// A copy throttled every second at 0.2 cores (demand estimate 0.2 + 1 x 0.2 = 0.4): VPA's
// lower bound, p50 x 1.15 x (1 + 0.001 / confidence)^-2, passes the quota only once a few
// minutes of history give it confidence; then the quota moves to the target, p90 x 1.15.
TEST(VpaController, MovesAThrottledQuotaToItsTargetOnceItsConfidenceAllows) {
  VpaController vpa(Resource::kCpu, 0.2, 2);
  double quota = 0.2;
  int moved_at = -1;
  for (int s = 0; s < 900 && moved_at < 0; ++s) {
    const double next = vpa.decide(0.2, 1.0, quota);
    if (next != quota) {
      moved_at = s;
      quota = next;
    }
  }
  ASSERT_GT(moved_at, 60) << "a minute of history leaves VPA's bounds wide";
  EXPECT_LT(moved_at, 600);
  EXPECT_NEAR(quota, 0.4 * 1.15, 0.05);
}

// Memory: VPA's recommendation is never below its pod minimum (250 MiB), so a 48 MiB limit
// with a 20 MiB working set is below its lower bound from the first second, and the limit
// goes to the target, the minimum: the demo's database copy meets its bound at once.
TEST(VpaController, ForMemoryLiftsASmallLimitToItsPodMinimum) {
  constexpr double kMiB = 1024.0 * 1024.0;
  VpaController vpa(Resource::kMemory, 48 * kMiB, 24.0 * 1024 * kMiB);
  const double next = vpa.decide(20 * kMiB, 0.0, 48 * kMiB);
  EXPECT_NEAR(next / kMiB, 250, 1e-6);
  for (int s = 1; s < 120; ++s) {
    ASSERT_DOUBLE_EQ(vpa.decide(20 * kMiB, 0.0, next), next) << "second " << s;
  }
}

}  // namespace
}  // namespace augur::demo
