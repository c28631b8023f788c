// Counts every global allocation (counting_new.cpp replaces operator new in this binary) to
// show that an analyser tick of a trusted instance allocates nothing in steady state:
// fingerprint, scoring against both baselines, top features, sequential rule and learning.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <memory>
#include <vector>

#include "augur/drift/analyzer.h"
#include "counting_new.h"
#include "synthetic.h"

namespace augur::drift {
namespace {

// The counter sees what it must (else the test below could not fail).
TEST(AllocationCounter, CountsOperatorNewAndEigensMalloc) {
  long before = allocations_so_far();
  auto v = std::make_unique<std::vector<double>>(100);
  EXPECT_GT(allocations_so_far(), before);
  before = allocations_so_far();
  Eigen::MatrixXd m(10, 10);
  m.setZero();
  if (kCountsMalloc) {
    EXPECT_GT(allocations_so_far(), before);
  }
  EXPECT_EQ(v->size() + static_cast<std::size_t>(m.rows()), 110u);
}

TEST(Analyzer, AllocatesNothingPerTickInSteadyState) {
  for (const auto distance :
       {config::DistanceKind::kEuclidean, config::DistanceKind::kMahalanobis}) {
    AnalyzerOptions o;
    o.drift.min_baseline_windows = 20;
    o.drift.distance = distance;
    Analyzer analyzer(o);
    analyzer.set_app_type("vm-1", "web");
    testing::SyntheticInstance vm("vm-1", testing::web_profile(), testing::Noise::kGaussian, 5);
    std::vector<Sample> samples;
    for (int t = 0; t < 4000; ++t) samples.push_back(vm.next());
    std::size_t t = 0;
    for (; t < 3000; ++t) (void)analyzer.analyze(samples[t]);
    ASSERT_TRUE(analyzer.analyze(samples[t++]).scored);
    const long before = allocations_so_far();
    int events = 0;
    for (; t < samples.size(); ++t)
      events += static_cast<int>(analyzer.analyze(samples[t]).events.size());
    ASSERT_EQ(events, 0) << "an episode event allocates its copy; this test needs none";
    EXPECT_EQ(allocations_so_far() - before, 0) << "distance " << static_cast<int>(distance);
  }
}

}  // namespace
}  // namespace augur::drift
