// The fingerprint's memory series of a VM comes from the guest's balloon statistics
// (available - unused), not from the host RSS of its QEMU process: on the real TCG guest the
// RSS stayed flat in a second memory phase that re-used the pages the first one had freed.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "augur/core/sample.h"
#include "augur/fingerprint/fingerprint_builder.h"

namespace augur::fingerprint {
namespace {

double memory_series(const Sample& s) {
  std::array<double, kSeriesCount> out{};
  derive_series(s, out);
  return out[static_cast<std::size_t>(Series::kMemoryBytes)];
}

TEST(GuestMemorySeries, ComesFromBalloonStatsWhenTheGuestReportsThem) {
  Sample s;
  s.set(Metric::kMemoryBytes, 300.0 * (1 << 20));          // host RSS: every page ever touched
  s.set(Metric::kGuestMemoryUsedBytes, 40.0 * (1 << 20));  // what the guest uses now
  EXPECT_DOUBLE_EQ(memory_series(s), 40.0 * (1 << 20));
}

TEST(GuestMemorySeries, FallsBackToMemoryInUseWithoutBalloonStats) {
  Sample s;
  s.set(Metric::kMemoryBytes, 300.0 * (1 << 20));  // a container's cgroup usage, or a VM's RSS
  EXPECT_DOUBLE_EQ(memory_series(s), 300.0 * (1 << 20));
  Sample none;
  EXPECT_TRUE(std::isnan(memory_series(none)));
}

}  // namespace
}  // namespace augur::fingerprint
