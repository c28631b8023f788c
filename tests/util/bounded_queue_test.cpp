#include "augur/util/bounded_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace augur {
namespace {
using namespace std::chrono_literals;

TEST(BoundedQueue, DeliversInOrder) {
  BoundedQueue<int> q(4);
  q.push(1);
  q.push(2);
  EXPECT_EQ(q.try_pop(), 1);
  EXPECT_EQ(q.try_pop(), 2);
  EXPECT_EQ(q.try_pop(), std::nullopt);
}

TEST(BoundedQueue, WhenFullDropsOldestAndCountsIt) {
  BoundedQueue<int> q(3);
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_TRUE(q.push(3));
  EXPECT_FALSE(q.push(4));  // 1 is dropped
  EXPECT_FALSE(q.push(5));  // 2 is dropped
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.try_pop(), 3);
  EXPECT_EQ(q.try_pop(), 4);
  EXPECT_EQ(q.try_pop(), 5);
}

TEST(BoundedQueue, CloseWakesWaitingConsumerAndRefusesPushes) {
  BoundedQueue<int> q(2);
  std::optional<int> got = 42;
  std::thread consumer([&] { got = q.pop_for(10s); });
  std::this_thread::sleep_for(20ms);
  auto before = std::chrono::steady_clock::now();
  q.close();
  consumer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_EQ(got, std::nullopt);
  EXPECT_FALSE(q.push(1));
  EXPECT_EQ(q.dropped(), 0u);
}

TEST(BoundedQueue, ItemsQueuedBeforeCloseCanStillBeDrained) {
  BoundedQueue<int> q(2);
  q.push(7);
  q.close();
  EXPECT_EQ(q.pop_for(1s), 7);
  EXPECT_EQ(q.pop_for(1s), std::nullopt);
}

TEST(BoundedQueue, ManyProducersNeverExceedCapacityAndAccountForEveryItem) {
  BoundedQueue<int> q(8);
  std::atomic<int> consumed{0};
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    while (!done || q.size() > 0) {
      if (q.pop_for(1ms)) ++consumed;
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) q.push(i);
    });
  }
  for (auto& t : producers) t.join();
  done = true;
  consumer.join();
  EXPECT_LE(q.size(), q.capacity());
  EXPECT_EQ(static_cast<std::uint64_t>(consumed.load()) + q.dropped(), 20000u);
}

}  // namespace
}  // namespace augur
