#include "augur/util/background_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace augur {
namespace {
using namespace std::chrono_literals;
using Clk = std::chrono::steady_clock;

TEST(BackgroundJob, AQuickJobIsCollectedWithinTheWait) {
  BackgroundJob<int> job;
  EXPECT_FALSE(job.busy());
  EXPECT_EQ(job.poll(), std::nullopt) << "no job started";
  ASSERT_TRUE(job.start([] { return 7; }));
  EXPECT_EQ(job.wait_until(Clk::now() + 10s), 7);
  EXPECT_FALSE(job.busy());
  ASSERT_TRUE(job.start([] { return 8; }));
  EXPECT_EQ(job.wait_until(Clk::now() + 10s), 8);
}

// A hung call costs the caller its budget, no more; the job finishes later and is collected
// then, and no second job starts in between.
TEST(BackgroundJob, AHungJobCostsTheWaitBudgetAndIsCollectedLater) {
  BackgroundJob<int> job;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(job.start([released] {
    released.wait();
    return 1;
  }));
  const auto t0 = Clk::now();
  EXPECT_EQ(job.wait_until(t0 + 50ms), std::nullopt);
  const auto waited = Clk::now() - t0;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(job.busy());
  EXPECT_GT(job.running_for(), 0ns);
  EXPECT_FALSE(job.start([] { return 2; })) << "a second job started beside a running one";
  EXPECT_EQ(job.poll(), std::nullopt);

  release.set_value();
  EXPECT_EQ(job.wait_until(Clk::now() + 10s), 1);
  EXPECT_EQ(job.running_for(), 0ns);
  ASSERT_TRUE(job.start([] { return 3; }));
  EXPECT_EQ(job.wait_until(Clk::now() + 10s), 3);
}

TEST(BackgroundJob, AJobThatThrowsRethrowsOnTheCallersThread) {
  BackgroundJob<int> job;
  ASSERT_TRUE(job.start([]() -> int { throw std::runtime_error("bug in the job"); }));
  EXPECT_THROW((void)job.wait_until(Clk::now() + 10s), std::runtime_error);
  EXPECT_FALSE(job.busy());
  ASSERT_TRUE(job.start([] { return 4; }));
  EXPECT_EQ(job.wait_until(Clk::now() + 10s), 4);
}

// Destruction waits for the job in flight: what it uses must outlive it.
TEST(BackgroundJob, DestructionWaitsForTheRunningJob) {
  std::atomic<bool> finished{false};
  {
    BackgroundJob<int> job;
    ASSERT_TRUE(job.start([&finished] {
      std::this_thread::sleep_for(100ms);
      finished = true;
      return 0;
    }));
  }
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace augur
