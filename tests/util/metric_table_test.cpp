#include <gtest/gtest.h>

#include <set>
#include <string>

#include "augur/core/metric.h"
#include "augur/core/resource.h"

namespace augur {
namespace {

TEST(MetricTable, NamesAreUniqueAndRoundTrip) {
  std::set<std::string> names;
  for (const auto& info : metric_table()) {
    EXPECT_TRUE(names.insert(std::string(info.name)).second) << info.name;
    EXPECT_EQ(metric_from_name(info.name), info.metric);
  }
  EXPECT_EQ(metric_from_name("no_such_metric"), std::nullopt);
}

TEST(MetricTable, OnlyPerfHardwareCountersNeedAPmu) {
  EXPECT_TRUE(metric_table()[static_cast<std::size_t>(Metric::kInstructions)].hardware);
  EXPECT_FALSE(metric_table()[static_cast<std::size_t>(Metric::kTaskClockCores)].hardware);
}

TEST(ResourceVector, UnknownUntilSet) {
  ResourceVector v;
  EXPECT_FALSE(v.known(Resource::kDisk));
  v[Resource::kDisk] = 5e6;
  EXPECT_TRUE(v.known(Resource::kDisk));
  EXPECT_EQ(resource_name(Resource::kNetwork), "network");
}

}  // namespace
}  // namespace augur
