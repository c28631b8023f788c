// The decision loop on a simulated instance: demand d(t), allocation a(t) set from the
// engine's own plans (as enforce mode would), observations u = min(d, a) and a throttled
// share p = min(1, max(d - a, 0) / a), as ../shared/EVALUATION.md defines them.
#include "augur/engine/decision_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "augur/engine/instance_input.h"

namespace augur::engine {
namespace {

using std::chrono::seconds;

config::Config test_config() {
  config::Config c;
  c.fingerprint.window_ticks = 10;
  c.fingerprint.ring_capacity = 60;
  c.drift.min_baseline_windows = 40;
  c.drift.end_hold_ticks = 10;
  c.predict.k = 3;
  c.predict.min_neighbours = 2;
  c.predict.horizon = seconds(60);
  c.plan.cpu = config::ResourceBounds{0.1, 4.0, 0.5, seconds(5)};
  c.plan.scale_down_window = seconds(60);
  c.plan.verify_settle = seconds(20);
  // The test workload cycles every 400 s (up, then down: 18 direction changes an hour),
  // which the default breaker (6 an hour) would rightly call flapping.
  c.plan.breaker_flips_per_hour = 30;
  return c;
}

// A workload that repeats a phase: every `period` ticks, from `offset`, it starts reading
// from disk (the phase's first sign: loading its input), and `lag` ticks later its CPU
// demand ramps from `low` to `high` over `ramp` ticks, holds for `hold` ticks, and falls
// back with the disk reads.
struct PhaseWorkload {
  int period = 400;
  int offset = 250;
  int lag = 30;
  int ramp = 20;
  int hold = 60;
  double low = 0.3;
  double high = 1.6;
  double disk_low = 1e6;
  double disk_high = 40e6;

  // The first period is quiet: the baselines learn the workload's normal before any phase.
  [[nodiscard]] int phase_tick(int tick) const {
    return tick < period ? -1 : tick % period - offset;
  }
  [[nodiscard]] double demand(int tick) const {
    const int k = phase_tick(tick) - lag;
    if (k < 0 || k >= ramp + hold) return low;
    if (k < ramp) return low + (high - low) * (k + 1) / ramp;
    return high;
  }
  [[nodiscard]] double disk(int tick) const {
    const int k = phase_tick(tick);
    return k >= 0 && k < lag + ramp + hold ? disk_high : disk_low;
  }
};

struct Simulation {
  explicit Simulation(const config::Config& config) : engine(engine_options(config, "host-a")) {
    Instance i;
    i.id = "vm-1";
    i.name = "vm-1";
    i.app_type = "batch";
    i.kind = InstanceKind::kContainer;
    i.max_allocation[Resource::kCpu] = 4.0;
    instances.push_back(i);
    allocation[Resource::kCpu] = 1.0;
  }

  // One tick: observe with the allocation in force, then apply the plan's target.
  template <class Workload>
  TickOutput step(int tick, const Workload& w) {
    const double demand = w.demand(tick);
    Sample s;
    s.instance_id = "vm-1";
    s.at = SteadyTime(seconds(tick + 1));
    s.elapsed = seconds(1);
    const double a = allocation[Resource::kCpu];
    const double d = std::max(0.0, demand + noise(rng));
    s.set(Metric::kCpuUsageCores, std::min(d, a));
    s.set(Metric::kCpuThrottledShare, std::min(1.0, std::max(d - a, 0.0) / a));
    s.set(Metric::kMemoryBytes, 512e6 + 1e6 * noise(rng));
    s.set(Metric::kDiskReadBytes, w.disk(tick) * (1 + noise(rng)));
    s.set(Metric::kDiskWriteBytes, 0.0);
    s.allocation = allocation;
    std::vector<Sample> samples{s};
    TickInput in;
    in.at = s.at;
    in.unix_ms = 1'700'000'000'000 + (tick + 1) * 1000LL;
    in.samples = &samples;
    in.instances = tick == 0 ? &instances : nullptr;
    in.host_capacity[Resource::kCpu] = 8.0;
    in.host_utilisation[Resource::kCpu] = 0.25;
    TickOutput out = engine.tick(in);
    for (const Plan& p : out.plans) {
      for (const Change& c : p.changes) allocation[c.resource] = c.new_value;
    }
    return out;
  }

  DecisionEngine engine;
  std::vector<Instance> instances;
  ResourceVector allocation;
  std::mt19937 rng{42};
  std::normal_distribution<double> noise{0.0, 0.01};
};

TEST(DecisionEngine, RaisesCpuBeforeARepeatedPhaseOutgrowsIt) {
  const config::Config config = test_config();
  Simulation sim(config);
  const PhaseWorkload w;
  const int rounds = 8;
  int labelled = 0;
  int proactive_rounds = 0;
  for (int round = 0; round < rounds; ++round) {
    // The tick at which demand first exceeds the allocation held when the phase began:
    // where a reactive allocator would first see throttling.
    const int phase_start = round * w.period + w.offset;  // disk reads begin
    double held = 0;
    int exceed_tick = -1;
    int predicted_raise_tick = -1;
    std::size_t neighbours = 0;
    for (int k = 0; k < w.period; ++k) {
      const int tick = round * w.period + k;
      if (tick == phase_start) held = sim.allocation[Resource::kCpu];
      const double d = w.demand(tick);
      if (tick >= phase_start && exceed_tick < 0 && d > held) exceed_tick = tick;
      TickOutput out = sim.step(tick, w);
      labelled += static_cast<int>(out.labelled.size());
      for (const Plan& p : out.plans) {
        for (const Change& c : p.changes) {
          if (c.resource == Resource::kCpu && c.reason == "prediction" &&
              c.new_value > c.old_value && predicted_raise_tick < 0 && tick >= phase_start) {
            predicted_raise_tick = tick;
            ASSERT_FALSE(out.instances.empty());
            ASSERT_TRUE(out.instances[0].prediction.has_value());
            neighbours = out.instances[0].prediction->neighbours.size();
          }
        }
      }
    }
    const int lead =
        predicted_raise_tick >= 0 && exceed_tick >= 0 ? exceed_tick - predicted_raise_tick : -1;
    std::printf(
        "round %d: demand exceeds %.2f cores at +%d, predicted raise at +%d "
        "(lead %d s, %zu neighbours), %d patterns labelled so far\n",
        round, held, exceed_tick - phase_start,
        predicted_raise_tick < 0 ? -1 : predicted_raise_tick - phase_start, lead, neighbours,
        labelled);
    if (round >= 3 && lead > 0) {
      EXPECT_GE(neighbours, 2u) << "the decision names the neighbours it used";
      ++proactive_rounds;
    }
  }
  EXPECT_GE(labelled, 3);
  // Once history exists, most later rounds are anticipated.
  EXPECT_GE(proactive_rounds, 3) << "rounds 3.." << rounds - 1 << " raised before the need";
}

// predict.refine_ticks: an episode's pattern is opened once refined, its direction the mean
// of the episode's first refine_ticks + 1 ticks and its magnitude their peak, and the
// prediction is made again on each of those ticks; the labelled pattern is the refined one.
TEST(DecisionEngine, RefinesANewEpisodesPatternOverItsFirstTicks) {
  config::Config config = test_config();
  config.predict.refine_ticks = 3;
  Simulation sim(config);
  const PhaseWorkload w;
  struct Seen {
    int start_tick = -1;
    std::vector<double> sum;
    double peak = 0;
    int ticks = 0;
    std::vector<int> refined;   // refined_ticks of each new prediction
    std::vector<int> followed;  // and of each followed one, after the refinement
  };
  std::vector<Seen> episodes;
  std::vector<predict::Pattern> opened;
  std::vector<int> opened_tick;
  std::vector<predict::Pattern> labelled;
  for (int tick = 0; tick < 4 * w.period; ++tick) {
    const TickOutput out = sim.step(tick, w);
    ASSERT_EQ(out.instances.size(), 1u);
    const InstanceReport& r = out.instances[0];
    const drift::Analysis& a = *r.analysis;
    EXPECT_EQ(a.in_episode, !a.episode_direction.empty()) << "tick " << tick;
    bool started = false;
    for (const auto& e : a.events) started |= e.kind == drift::EpisodeEventKind::kStarted;
    if (started) {
      EXPECT_EQ(a.episode_direction, a.events.back().episode.direction);
      episodes.push_back({tick, a.episode_direction, a.episode_score, 0, {}, {}});
    } else if (!episodes.empty() && a.in_episode && episodes.back().ticks < 3) {
      Seen& e = episodes.back();
      for (std::size_t i = 0; i < e.sum.size(); ++i) e.sum[i] += a.episode_direction[i];
      e.peak = std::max(e.peak, a.episode_score);
      ++e.ticks;
    }
    if (r.prediction_new && !episodes.empty()) {
      (r.followed ? episodes.back().followed : episodes.back().refined).push_back(r.refined_ticks);
    }
    for (const predict::Pattern& p : out.opened) {
      opened.push_back(p);
      opened_tick.push_back(tick);
    }
    for (const predict::Pattern& p : out.labelled) labelled.push_back(p);
  }
  ASSERT_GE(episodes.size(), 2u);
  ASSERT_EQ(opened.size(), episodes.size()) << "one pattern per episode";
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    const Seen& e = episodes[i];
    ASSERT_EQ(e.ticks, 3) << "the episode lasted its refinement";
    EXPECT_EQ(opened_tick[i], e.start_tick + 3) << "opened once refined";
    EXPECT_EQ(e.refined, (std::vector<int>{0, 1, 2, 3})) << "a prediction per refined tick";
    for (const int t : e.followed) {
      EXPECT_GT(t, 3) << "followed predictions come after the refinement";
      EXPECT_LE(t, 60) << "and within the horizon (60 ticks) of the episode's start";
    }
    std::vector<double> mean(e.sum);
    for (double& v : mean) v /= 4;
    const auto unit = predict::unit_direction(mean);
    ASSERT_TRUE(unit);
    ASSERT_EQ(opened[i].direction.size(), unit->size());
    for (std::size_t j = 0; j < unit->size(); ++j) {
      EXPECT_NEAR(opened[i].direction[j], (*unit)[j], 1e-12) << "episode " << i << " [" << j << "]";
    }
    EXPECT_DOUBLE_EQ(opened[i].magnitude, e.peak);
  }
  ASSERT_FALSE(labelled.empty());
  EXPECT_EQ(labelled.front().direction, opened.front().direction) << "labelled as refined";
}

// Rounds of 300 ticks after two quiet ones (the baseline learns over 400 ticks): even rounds
// read from disk for 40 ticks (no more CPU), odd rounds ramp CPU up and hold it (no disk),
// and from `turning_round` on a round opens with 6 ticks of disk reads that give way to the
// CPU ramp: one episode that starts like a disk round and turns into a CPU round.
struct TurningWorkload {
  int period = 300;
  int offset = 100;
  int turning_round = 6;
  double low = 0.3;
  double high = 1.6;

  [[nodiscard]] int round(int tick) const { return tick / period; }
  [[nodiscard]] int phase_tick(int tick) const {
    return round(tick) < 2 ? -1 : tick % period - offset;
  }
  [[nodiscard]] bool turning(int tick) const { return round(tick) >= turning_round; }
  [[nodiscard]] bool disk_round(int r) const { return r < turning_round && r % 2 == 0; }
  [[nodiscard]] double demand(int tick) const {
    const int k = phase_tick(tick) - (turning(tick) ? kBlip : 0);
    if (k < 0 || k >= 100 || disk_round(round(tick))) return low;
    return k < 40 ? low + (high - low) * (k + 1) / 40 : high;
  }
  static constexpr int kBlip = 3;
  [[nodiscard]] double disk(int tick) const {
    const int k = phase_tick(tick);
    const int length = turning(tick) ? kBlip : disk_round(round(tick)) ? 40 : 0;
    return k >= 0 && k < length ? 40e6 : 1e6;
  }
};

// Past its refinement an episode's prediction follows its latest ticks: an episode that
// opened like the disk rounds (no more CPU) and turned into a CPU ramp is predicted from a
// CPU round, with its CPU increase, once its latest ticks look like one.
TEST(DecisionEngine, FollowsAnEpisodeThatTurnsIntoAnotherPattern) {
  config::Config config = test_config();
  config.predict.k = 1;
  config.predict.min_neighbours = 1;
  config.predict.refine_ticks = 3;
  config.predict.horizon = seconds(60);
  config.predict.magnitude_weight = 0;  // direction alone: the blip is stronger than the ramp
  Simulation sim(config);
  const TurningWorkload w;
  const auto round_of = [&](const Neighbour& n) {
    const auto tick = (n.recorded_unix_ms - 1'700'000'000'000) / 1000 - 1;
    return static_cast<int>(tick) / w.period;
  };
  struct Seen {
    int round = 0;  // of the nearest past pattern
    int ticks = 0;  // into the episode
    double cpu = 0;
  };
  std::vector<Seen> first;     // the turning episode's prediction at its start and refined
  std::vector<Seen> followed;  // and those that followed it
  for (int tick = 0; tick < (w.turning_round + 1) * w.period; ++tick) {
    const TickOutput out = sim.step(tick, w);
    const InstanceReport& r = out.instances[0];
    if (!w.turning(tick) || !r.prediction_new || !r.prediction) continue;
    ASSERT_TRUE(r.prediction->available);
    ASSERT_FALSE(r.prediction->neighbours.empty());
    const Seen seen{round_of(r.prediction->neighbours.front()), r.refined_ticks,
                    r.prediction->increase[Resource::kCpu]};
    (r.followed ? followed : first).push_back(seen);
  }
  ASSERT_FALSE(first.empty()) << "the turning episode was predicted at its start";
  EXPECT_TRUE(w.disk_round(first.front().round)) << "it opened like a disk round";
  EXPECT_LT(first.back().cpu, 0.1) << "whose outcome was no more CPU";
  ASSERT_FALSE(followed.empty()) << "no followed prediction";
  for (const Seen& f : followed) EXPECT_GT(f.ticks, config.predict.refine_ticks);
  EXPECT_FALSE(w.disk_round(followed.back().round)) << "its latest ticks are a CPU round's";
  EXPECT_GT(followed.back().cpu, 0.5) << "and predict the CPU round's increase";
  EXPECT_LT(followed.back().ticks, 40) << "while the CPU still ramps";
}

TEST(DecisionEngine, SameInputGivesSameDecisions) {
  const config::Config config = test_config();
  Simulation a(config);
  Simulation b(config);
  const PhaseWorkload w;
  for (int tick = 0; tick < 1200; ++tick) {
    TickOutput x = a.step(tick, w);
    TickOutput y = b.step(tick, w);
    ASSERT_EQ(x.plans.size(), y.plans.size()) << "tick " << tick;
    for (std::size_t i = 0; i < x.plans.size(); ++i) {
      ASSERT_EQ(x.plans[i].target, y.plans[i].target) << "tick " << tick;
    }
  }
  EXPECT_EQ(a.allocation, b.allocation);
}

TEST(DecisionEngine, VanishedInstanceDropsItsOpenPatterns) {
  const config::Config config = test_config();
  Simulation sim(config);
  const PhaseWorkload w;
  // Run into the first phase so an episode (and its pattern) opens, then remove it.
  int tick = 0;
  for (; tick < 3 * w.period && sim.engine.open_patterns() == 0; ++tick) {
    sim.step(tick, w);
  }

  ASSERT_GT(sim.engine.open_patterns(), 0u) << "the ramp should have opened a pattern";
  const std::vector<Instance> none;
  std::vector<Sample> no_samples;
  TickInput in;
  in.at = SteadyTime(seconds(tick + 1));
  in.unix_ms = 1'700'000'000'000 + (tick + 1) * 1000LL;
  in.samples = &no_samples;
  in.instances = &none;
  const TickOutput out = sim.engine.tick(in);
  EXPECT_FALSE(out.dropped.empty());
  EXPECT_EQ(sim.engine.open_patterns(), 0u);
}

// Instance lists that keep several known instances (in any order, with repeats) keep their
// state; only the instances left out are forgotten.
TEST(DecisionEngine, RelistingKeepsEveryInstanceStillListed) {
  const config::Config config = test_config();
  Simulation sim(config);
  const PhaseWorkload w;
  auto relist = [&](int tick, const std::vector<std::string>& ids) {
    std::vector<Instance> list;
    for (const std::string& id : ids) {
      Instance i = sim.instances.front();
      i.id = id;
      i.name = id;
      list.push_back(i);
    }
    std::vector<Sample> no_samples;
    TickInput in;
    in.at = SteadyTime(seconds(tick + 1));
    in.unix_ms = 1'700'000'000'000 + (tick + 1) * 1000LL;
    in.samples = &no_samples;
    in.instances = &list;
    return sim.engine.tick(in);
  };
  int tick = 0;
  relist(tick++, {"vm-0", "vm-1", "vm-2", "vm-3"});
  for (; tick < 3 * w.period && sim.engine.open_patterns() == 0; ++tick) sim.step(tick, w);
  ASSERT_GT(sim.engine.open_patterns(), 0u) << "the ramp should have opened a pattern";
  const std::size_t open = sim.engine.open_patterns();

  EXPECT_TRUE(relist(tick++, {"vm-3", "vm-1", "vm-0", "vm-1", "vm-4"}).dropped.empty());
  EXPECT_EQ(sim.engine.open_patterns(), open);
  EXPECT_TRUE(relist(tick++, {"vm-1", "vm-3"}).dropped.empty());
  EXPECT_EQ(sim.engine.open_patterns(), open);
  EXPECT_FALSE(relist(tick++, {"vm-3", "vm-4"}).dropped.empty()) << "vm-1 left the list";
  EXPECT_EQ(sim.engine.open_patterns(), 0u);
}

TEST(DecisionEngine, RestoredHistoryPredictsTheSame) {
  const config::Config config = test_config();
  Simulation sim(config);
  const PhaseWorkload w;
  std::vector<predict::Pattern> saved;
  for (int tick = 0; tick < 5 * w.period; ++tick) {
    TickOutput out = sim.step(tick, w);
    for (const predict::Pattern& p : out.labelled) saved.push_back(p);
  }
  ASSERT_GE(saved.size(), 2u);
  DecisionEngine restored(engine_options(config, "host-a"));
  EXPECT_TRUE(restored.restore_patterns(saved).empty());
  EXPECT_EQ(restored.predictor().size(), sim.engine.predictor().size());
  predict::PredictionQuery q;
  q.instance_id = "vm-1";
  q.app_type = "batch";
  q.delta = saved.back().delta;
  q.magnitude = saved.back().magnitude;
  const Prediction p1 = sim.engine.predictor().predict(q);
  const Prediction p2 = restored.predictor().predict(q);
  EXPECT_EQ(p1.available, p2.available);
  EXPECT_EQ(p1.increase, p2.increase);
}

TEST(InstanceInput, UsageAndNeedFromASample) {
  Sample s;
  s.set(Metric::kCpuUsageCores, 0.5);
  s.set(Metric::kCpuThrottledShare, 0.2);
  s.set(Metric::kMemoryBytes, 1e9);
  s.set(Metric::kDiskReadBytes, 1e6);
  s.allocation[Resource::kCpu] = 0.5;
  const plan::InstanceInput in = instance_input(s);
  EXPECT_DOUBLE_EQ(in.usage[Resource::kCpu], 0.5);
  EXPECT_DOUBLE_EQ(in.need[Resource::kCpu], 0.5 + 0.2 * 0.5);
  EXPECT_DOUBLE_EQ(in.usage[Resource::kDisk], 1e6);
  EXPECT_TRUE(std::isnan(in.usage[Resource::kNetwork]));
  EXPECT_DOUBLE_EQ(in.cpu_throttled_share, 0.2);
  EXPECT_FALSE(in.memory_pressure);
}

}  // namespace
}  // namespace augur::engine
