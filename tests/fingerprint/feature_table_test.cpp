#include "augur/fingerprint/feature_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace augur::fingerprint {
namespace {

TEST(FeatureTable, HasBetween40And60UniquelyNamedFeatures) {
  const auto& table = feature_table();
  EXPECT_GE(table.size(), 40u);
  EXPECT_LE(table.size(), 60u);
  std::set<std::string_view> names;
  for (const FeatureInfo& f : table) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_GT(f.min_scale, 0.0) << f.name;
    // The name says which series it is computed from.
    EXPECT_EQ(f.name.substr(0, f.name.find('.')), series_name(f.series)) << f.name;
  }
}

TEST(FeatureTable, FindsEveryFeatureByName) {
  for (std::size_t i = 0; i < kFeatureCount; ++i) {
    EXPECT_EQ(feature_index(feature_table()[i].name), i);
  }
  EXPECT_FALSE(feature_index("no_such.feature").has_value());
}

TEST(FeatureTable, EverySeriesFeedsAtLeastOneFeature) {
  std::set<Series> used;
  for (const FeatureInfo& f : feature_table()) used.insert(f.series);
  EXPECT_EQ(used.size(), kSeriesCount);
}

}  // namespace
}  // namespace augur::fingerprint
