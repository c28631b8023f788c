#include "augur/fingerprint/ring_buffer.h"

#include <gtest/gtest.h>

#include <vector>

namespace augur::fingerprint {
namespace {

TEST(RingBuffer, KeepsTheNewestValuesOldestFirstOnceFull) {
  RingBuffer<int> ring(4);
  for (int i = 1; i <= 6; ++i) ring.push(i);
  ASSERT_EQ(ring.size(), 4u);
  EXPECT_TRUE(ring.full());
  EXPECT_EQ(ring[0], 3);
  EXPECT_EQ(ring[3], 6);
  EXPECT_EQ(ring.newest(), 6);
}

TEST(RingBuffer, CopiesTheNewestValuesAcrossTheWrap) {
  RingBuffer<int> ring(5);
  for (int i = 1; i <= 8; ++i) ring.push(i);  // holds 4..8, wrapped
  std::vector<int> out(5, 0);
  ASSERT_EQ(ring.copy_newest(3, out.data()), 3u);
  EXPECT_EQ(out[0], 6);
  EXPECT_EQ(out[1], 7);
  EXPECT_EQ(out[2], 8);
  ASSERT_EQ(ring.copy_newest(10, out.data()), 5u);
  EXPECT_EQ(out[0], 4);
  EXPECT_EQ(out[4], 8);
}

TEST(RingBuffer, CopiesOnlyWhatItHoldsBeforeFull) {
  RingBuffer<int> ring(5);
  ring.push(7);
  ring.push(9);
  std::vector<int> out(5, 0);
  ASSERT_EQ(ring.copy_newest(5, out.data()), 2u);
  EXPECT_EQ(out[0], 7);
  EXPECT_EQ(out[1], 9);
}

}  // namespace
}  // namespace augur::fingerprint
