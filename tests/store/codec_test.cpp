#include "codec.h"

#include <gtest/gtest.h>

#include <cmath>

namespace augur::store::detail {
namespace {

TEST(StoreCodec, DoublesRoundTripLittleEndianKeepingNaN) {
  std::vector<double> v{1.0, -0.5, std::nan(""), 1e300};
  auto blob = encode_vector(v);
  ASSERT_EQ(blob.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(blob[7]), 0x3f);  // 1.0 = 0x3ff0..., high byte last
  auto back = decode_doubles(blob);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ((*back)[1], -0.5);
  EXPECT_TRUE(std::isnan((*back)[2]));
  EXPECT_FALSE(decode_doubles("123").has_value());
  EXPECT_FALSE(decode_resources(encode_vector({1, 2, 3})).has_value());
}

TEST(StoreCodec, TopFeaturesRoundTripExactly) {
  std::vector<FeatureContribution> top{{3, 0.1}, {17, -2.5e-7}};
  auto back = decode_top_features(encode_top_features(top));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].feature, 3u);
  EXPECT_EQ((*back)[0].contribution, 0.1);
  EXPECT_EQ((*back)[1].contribution, -2.5e-7);
  EXPECT_TRUE(decode_top_features("")->empty());
  EXPECT_FALSE(decode_top_features("x:1").has_value());
}

}  // namespace
}  // namespace augur::store::detail
