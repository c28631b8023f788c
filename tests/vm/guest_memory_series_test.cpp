// The fingerprint's memory series of a VM comes from the guest's balloon statistics
// (available - unused), not from the host RSS of its QEMU process: on the real TCG guest the
// RSS stayed flat in a second memory phase that re-used the pages the first one had freed.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "augur/core/sample.h"
#include "augur/fingerprint/feature_table.h"
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

double window_memory_mean(FingerprintBuilder& b) {
  const Fingerprint f = b.compute(8);
  const std::size_t i = *feature_index("memory_bytes.mean");
  return f.present[i] ? f.values[i] : std::nan("");
}

Sample vm_tick(double guest_mib, double rss_mib) {
  Sample s;
  s.set(Metric::kMemoryBytes, rss_mib * (1 << 20));
  if (!std::isnan(guest_mib)) s.set(Metric::kGuestMemoryUsedBytes, guest_mib * (1 << 20));
  return s;
}

// On the real guest a few ticks without balloon statistics among the guest's own put the
// host RSS into the series: the baseline's memory spread grew to 70-90 MB against a guest
// steady at 27 MiB, and a 64 MiB memory phase scored z 0.3.
TEST(GuestMemorySeries, ATickWithoutTheGuestsReportIsAGapNotTheHostRss) {
  FingerprintBuilder b("vm", 60, 8);
  for (int t = 0; t < 7; ++t) b.push(vm_tick(40, 300));
  b.push(vm_tick(std::nan(""), 300));  // the guest's statistics missing for one tick
  EXPECT_DOUBLE_EQ(window_memory_mean(b), 40.0 * (1 << 20));
}

TEST(GuestMemorySeries, AnInstanceWithoutBalloonStatsKeepsItsMemoryInUse) {
  FingerprintBuilder b("vm", 60, 8);
  for (int t = 0; t < 8; ++t) b.push(vm_tick(std::nan(""), 300));
  EXPECT_DOUBLE_EQ(window_memory_mean(b), 300.0 * (1 << 20));
}

}  // namespace
}  // namespace augur::fingerprint
