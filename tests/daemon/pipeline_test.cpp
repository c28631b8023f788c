#include "augur/daemon/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace augur::daemon {
namespace {
using namespace std::chrono_literals;

class OneSamplePerTick final : public SamplerStage {
 public:
  void sample(SteadyTime now, SampleBatch& batch) override {
    Sample s;
    s.instance_id = "vm-" + std::to_string(++calls);
    s.at = now;
    batch.samples.push_back(s);
  }
  std::atomic<int> calls{0};
};

// Blocks until released: stands for an analyser that has fallen behind.
class GatedAnalyser final : public AnalyserStage {
 public:
  std::vector<Plan> analyse(const SampleBatch& batch, Mode) override {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return open; });
    seen.push_back(batch.samples.at(0).instance_id);
    Plan p;
    p.instance_id = batch.samples.at(0).instance_id;
    p.changes.push_back(Change{p.instance_id, Resource::kCpu, 1, 2, "test", ""});
    return {p};
  }
  void release() {
    {
      std::lock_guard lock(m);
      open = true;
    }
    cv.notify_all();
  }
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  std::vector<std::string> seen;
};

class CountingActuator final : public ActuatorStage {
 public:
  void apply(const PlanBatch& batch, Mode mode) override {
    applied += static_cast<int>(batch.plans.size());
    last_mode = mode;
  }
  std::atomic<int> applied{0};
  std::atomic<Mode> last_mode{Mode::kObserve};
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST(Pipeline, SamplerTickHandsABatchToTheAnalyserAndPlansToTheActuator) {
  FakeClock clock;
  OneSamplePerTick sampler;
  GatedAnalyser analyser;
  analyser.release();
  CountingActuator actuator;
  Pipeline p({1h, 8, Mode::kAdvise}, clock, sampler, analyser, actuator);
  p.start();
  p.sampler_tick();
  ASSERT_TRUE(eventually([&] { return actuator.applied.load() == 1; }));
  EXPECT_EQ(actuator.last_mode.load(), Mode::kAdvise);
  p.stop();
  const PipelineCounters c = p.counters();
  EXPECT_EQ(c.ticks, 1u);
  EXPECT_EQ(c.samples, 1u);
  EXPECT_EQ(c.batches_analysed, 1u);
  EXPECT_EQ(c.plans_applied, 1u);
}

TEST(Pipeline, SlowAnalyserMakesTheQueueDropOldestBatchesNotDelayTheSampler) {
  FakeClock clock;
  OneSamplePerTick sampler;
  GatedAnalyser analyser;  // closed: the analyser holds batch 1 and waits
  CountingActuator actuator;
  Pipeline p({1h, 4, Mode::kObserve}, clock, sampler, analyser, actuator);
  p.start();
  p.sampler_tick();
  ASSERT_TRUE(eventually([&] { return p.counters().ticks == 1; }));
  std::this_thread::sleep_for(50ms);              // let the analyser take batch 1 and block on it
  for (int i = 0; i < 10; ++i) p.sampler_tick();  // 10 more ticks, never blocked
  EXPECT_EQ(p.counters().ticks, 11u);
  // Capacity 4: batches 2..7 were dropped, 8..11 remain.
  EXPECT_EQ(p.counters().sample_queue_drops, 6u);
  analyser.release();
  ASSERT_TRUE(eventually([&] { return p.counters().batches_analysed == 5; }));
  p.stop();
  EXPECT_EQ(analyser.seen, (std::vector<std::string>{"vm-1", "vm-8", "vm-9", "vm-10", "vm-11"}));
}

TEST(Pipeline, ThreadsTickOnTheirOwnAndStopJoinsPromptly) {
  SteadyClock clock;
  OneSamplePerTick sampler;
  GatedAnalyser analyser;
  analyser.release();
  CountingActuator actuator;
  Pipeline p({20ms, 16, Mode::kEnforce}, clock, sampler, analyser, actuator);
  p.start();
  ASSERT_TRUE(eventually([&] { return p.counters().ticks >= 5; }));
  EXPECT_TRUE(p.healthy(clock.now()));
  const auto before = std::chrono::steady_clock::now();
  p.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_GE(actuator.applied.load(), 1);
}

TEST(Pipeline, IntervalChangeTakesEffectWithoutRestart) {
  SteadyClock clock;
  OneSamplePerTick sampler;
  GatedAnalyser analyser;
  analyser.release();
  CountingActuator actuator;
  Pipeline p({1h, 16, Mode::kObserve}, clock, sampler, analyser, actuator);
  p.start();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(p.counters().ticks, 0u);
  p.set_tick_interval(10ms);
  EXPECT_TRUE(eventually([&] { return p.counters().ticks >= 3; }));
  p.stop();
}

TEST(Pipeline, UnhealthyWhenTheSamplerStopsTicking) {
  FakeClock clock;
  OneSamplePerTick sampler;
  GatedAnalyser analyser;
  analyser.release();
  CountingActuator actuator;
  Pipeline p({1s, 4, Mode::kObserve}, clock, sampler, analyser, actuator);
  p.sampler_tick();
  EXPECT_TRUE(p.healthy(clock.now()));
  clock.advance(10s);
  EXPECT_FALSE(p.healthy(clock.now()));
}

}  // namespace
}  // namespace augur::daemon
