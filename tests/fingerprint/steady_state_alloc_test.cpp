// Counts every global allocation to show that push() + compute() allocate nothing once
// the ring is full and the output fingerprint has been filled once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "augur/fingerprint/fingerprint_builder.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace augur::fingerprint {
namespace {

TEST(FingerprintBuilder, AllocatesNothingPerTickInSteadyState) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<Sample> samples(2000);
  for (Sample& s : samples) {
    s.instance_id = "vm-1";
    s.set(Metric::kCpuUsageCores, 2.0 + 0.1 * noise(rng));
    s.set(Metric::kCycles, 2e9);
    s.set(Metric::kInstructions, 3e9 + 1e7 * noise(rng));
    s.set(Metric::kMemoryBytes, 1e9);
    s.vcpu_utilisation = {0.5, 0.6};
  }
  // Scanned windows, and the tracked window (sliding sums and sorted copy).
  FingerprintBuilder builder("vm-1", 600);
  FingerprintBuilder tracked("vm-1", 600, 60);
  Fingerprint fp;
  Fingerprint fp_tracked;
  for (std::size_t i = 0; i < 600; ++i) {
    builder.push(samples[i]);
    tracked.push(samples[i]);
  }
  builder.compute(60, fp);
  tracked.compute(60, fp_tracked);

  const long before = g_allocations.load();
  for (std::size_t i = 600; i < samples.size(); ++i) {
    builder.push(samples[i]);
    builder.compute(60, fp);
    builder.compute(600, fp);
    tracked.push(samples[i]);
    tracked.compute(60, fp_tracked);
  }
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0) << "allocations over " << samples.size() - 600 << " ticks";
  EXPECT_TRUE(fp.present[*feature_index("ipc.mean")]);
  EXPECT_TRUE(fp_tracked.present[*feature_index("ipc.p95")]);
}

}  // namespace
}  // namespace augur::fingerprint
