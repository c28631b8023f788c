// Property tests: thousands of random hosts, demands and options (fixed seeds), checking
// the planner's guarantees on every tick.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <random>

#include "scenario.h"

namespace augur::plan {
namespace {

using namespace augur::plan::testing;
using std::chrono::seconds;

constexpr double kEps = 1e-9;
constexpr Resource kPlanned[] = {Resource::kCpu, Resource::kMemory, Resource::kDisk};

const config::ResourceBounds& bounds(const PlannerOptions& o, Resource r) {
  switch (r) {
    case Resource::kCpu: return o.plan.cpu;
    case Resource::kMemory: return o.plan.memory;
    case Resource::kDisk: return o.plan.disk;
    case Resource::kNetwork: return o.plan.network;
  }
  return o.plan.cpu;
}

config::ResourceBounds& mutable_bounds(PlannerOptions& o, Resource r) {
  switch (r) {
    case Resource::kCpu: return o.plan.cpu;
    case Resource::kMemory: return o.plan.memory;
    case Resource::kDisk: return o.plan.disk;
    case Resource::kNetwork: return o.plan.network;
  }
  return o.plan.cpu;
}

// Units per resource, so one generator serves cores, bytes and bytes/s.
double unit(Resource r) {
  switch (r) {
    case Resource::kCpu: return 1.0;
    case Resource::kMemory: return 1e9;
    default: return 1e7;
  }
}

struct World {
  std::mt19937_64 rng;
  PlannerOptions options;
  bool enforce = true;
  HostInput host;
  std::vector<std::array<double, kResourceCount>> level;  // current demand level
  std::vector<double> stall;                              // current run-queue wait level
  SteadyTime at = start_time();
  seconds tick{10};

  double uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng); }
  bool chance(double p) { return uniform(0, 1) < p; }

  explicit World(std::uint64_t seed) : rng(seed) {
    PlannerOptions& o = options;
    const seconds cooldowns[] = {seconds(0), seconds(10), seconds(60), seconds(300)};
    for (Resource r : kAllResources) {
      config::ResourceBounds& b = mutable_bounds(o, r);
      b.min = uniform(0.05, 0.5) * unit(r);
      b.max = chance(0.5) ? 0 : uniform(2, 8) * unit(r);
      b.max_step_fraction = uniform(0.05, 1.0);
      b.cooldown = cooldowns[rng() % 4];
    }
    o.plan.headroom_margin = uniform(0, 0.5);
    o.plan.hysteresis = uniform(0, 0.2);
    o.plan.scale_down_window = seconds(60 * (1 + rng() % 30));
    o.plan.overcommit_ratio = uniform(1, 3);
    o.plan.breaker_flips_per_hour = 1 + static_cast<int>(rng() % 10);
    o.plan.verify_settle = seconds(10 * (1 + rng() % 30));
    enforce = chance(0.7);

    const std::size_t n = 2 + rng() % 5;
    for (std::size_t i = 0; i < n; ++i) {
      InstanceInput in;
      in.instance_id = "i" + std::to_string(i);
      in.priority = static_cast<int>(rng() % 3);
      std::array<double, kResourceCount> lv{};
      for (Resource r : kPlanned) {
        const config::ResourceBounds& b = bounds(o, r);
        const double hi = b.max > 0 ? b.max : 8 * unit(r);
        in.allocation[r] = uniform(b.min, std::max(b.min, hi / 2));
        if (chance(0.3)) in.max_allocation[r] = uniform(in.allocation[r], 2 * hi);
        lv[static_cast<std::size_t>(r)] = uniform(0.1, 3) * unit(r);
      }
      level.push_back(lv);
      stall.push_back(0.01);
      host.instances.push_back(in);
    }
    for (Resource r : kPlanned) {
      double sum = 0;
      for (const InstanceInput& in : host.instances) sum += in.allocation[r];
      if (chance(0.8)) host.capacity[r] = sum * uniform(1.0, 2.0);
    }
  }

  // Moves demand, pressure and predictions for the next tick.
  void step_inputs() {
    at += tick;
    host.at = at;
    for (std::size_t i = 0; i < host.instances.size(); ++i) {
      InstanceInput& in = host.instances[i];
      for (Resource r : kPlanned) {
        double& lv = level[i][static_cast<std::size_t>(r)];
        if (chance(0.01)) lv = uniform(0.05, 4) * unit(r);
        double need = lv * uniform(0.9, 1.1);
        if (chance(0.005)) need *= 3;  // spike
        in.need[r] = need;
        in.usage[r] = std::min(need, in.allocation[r]);
      }
      in.memory_pressure =
          in.need[Resource::kMemory] > in.allocation[Resource::kMemory] || chance(0.05);
      in.own_work_cores = in.usage[Resource::kCpu];
      // Stall in episodes: mostly quiet, now and then a noisy neighbour for a while.
      if (chance(0.01)) stall[i] = chance(0.5) ? 0.01 : uniform(0, 0.4);
      in.runqueue_wait_share = stall[i] * uniform(0.8, 1.2);
      in.cpu_pressure_some = chance(0.5) ? stall[i] * uniform(0.8, 1.2) : kUnknown;
      if (chance(0.02)) {
        Prediction p;
        p.available = chance(0.8);
        p.at = at;
        for (Resource r : kPlanned) p.increase[r] = uniform(-0.5, 2) * unit(r);
        p.confidence = uniform(-0.2, 1.2);
        in.prediction = p;
      } else if (chance(0.01)) {
        in.prediction.reset();
      }
      host.utilisation[Resource::kCpu] = uniform(0, 1);
      host.utilisation[Resource::kMemory] = uniform(0, 1);
    }
  }

  void apply(const PlanResult& r) {
    if (!enforce) return;
    for (std::size_t i = 0; i < host.instances.size(); ++i) {
      for (const Change& c : r.decisions[i].plan.changes) {
        host.instances[i].allocation[c.resource] = c.new_value;
      }
    }
  }
};

struct Limits {
  double lo, hi;
};

Limits limits(const PlannerOptions& o, const HostInput& h, const InstanceInput& in, Resource r) {
  const config::ResourceBounds& b = bounds(o, r);
  double hi = b.max > 0 ? b.max : INFINITY;
  if (in.max_allocation.known(r)) hi = std::min(hi, in.max_allocation[r]);
  if (h.capacity.known(r)) hi = std::min(hi, h.capacity[r]);
  return {std::min(b.min, hi), hi};
}

bool regular(const Change& c) {
  return c.reason == "reactive" || c.reason == "prediction" || c.reason == "scale-down";
}

TEST(PlannerProperty, NeverOutsideBoundsCapacityStepsOrCooldowns) {
  std::uint64_t changes_seen = 0, scale_downs = 0;
  PlannerCounters totals;
  for (std::uint64_t seed = 1; seed <= 1500; ++seed) {
    World w(seed);
    const PlannerOptions& o = w.options;
    Planner planner(o);
    std::map<std::pair<std::size_t, Resource>, SteadyTime> last_change;
    std::map<std::pair<std::size_t, Resource>, std::deque<std::pair<SteadyTime, double>>> needs;
    for (int tick = 0; tick < 240; ++tick) {
      w.step_inputs();
      const HostInput& h = w.host;
      for (std::size_t i = 0; i < h.instances.size(); ++i) {
        for (Resource r : kPlanned) {
          auto& q = needs[{i, r}];
          q.emplace_back(h.at, h.instances[i].need[r]);
          while (q.front().first <= h.at - o.plan.scale_down_window) q.pop_front();
        }
      }
      const PlanResult res = planner.plan(h);
      ASSERT_EQ(res.decisions.size(), h.instances.size());
      for (Resource r : kPlanned) {
        double sum_alloc = 0, sum_target = 0;
        bool grew = false;
        for (std::size_t i = 0; i < h.instances.size(); ++i) {
          const InstanceInput& in = h.instances[i];
          const double target = res.decisions[i].plan.target[r];
          sum_alloc += in.allocation[r];
          sum_target += target;
          grew = grew || target > in.allocation[r];
          const Limits lim = limits(o, h, in, r);
          ASSERT_GE(target, lim.lo * (1 - kEps)) << "seed " << seed << " tick " << tick;
          ASSERT_LE(target, lim.hi * (1 + kEps)) << "seed " << seed << " tick " << tick;
        }
        if (h.capacity.known(r)) {
          const bool busy =
              h.utilisation.known(r) && h.utilisation[r] >= o.overcommit_utilisation_ceiling;
          const double budget = h.capacity[r] * (busy ? 1.0 : o.plan.overcommit_ratio);
          if (grew) {
            ASSERT_LE(sum_target, budget * (1 + kEps)) << "seed " << seed << " tick " << tick;
          } else {
            ASSERT_LE(sum_target, std::max(budget, sum_alloc) * (1 + kEps));
          }
        }
      }
      for (std::size_t i = 0; i < h.instances.size(); ++i) {
        const InstanceInput& in = h.instances[i];
        const InstanceDecision& d = res.decisions[i];
        if (d.frozen) {
          ASSERT_TRUE(d.plan.changes.empty());
        }
        for (const Change& c : d.plan.changes) {
          ++changes_seen;
          const Resource r = c.resource;
          const config::ResourceBounds& b = bounds(o, r);
          ASSERT_EQ(c.old_value, in.allocation[r]);
          ASSERT_NE(c.new_value, c.old_value);
          if (r == Resource::kMemory && in.memory_pressure) {
            ASSERT_GT(c.new_value, c.old_value) << "memory shrunk under pressure, seed " << seed;
          }
          const double base = std::max(c.old_value, limits(o, h, in, r).lo);
          if (regular(c)) {
            const double step = c.new_value > c.old_value
                                    ? b.max_step_fraction * base
                                    : b.max_step_fraction * o.scale_down_step_factor * base;
            ASSERT_LE(std::abs(c.new_value - c.old_value), step * (1 + kEps) + kEps)
                << "seed " << seed << " tick " << tick << " " << c.reason;
            ASSERT_GE(std::abs(c.new_value - c.old_value),
                      o.plan.hysteresis * c.old_value * (1 - kEps));
            auto it = last_change.find({i, r});
            if (it != last_change.end()) {
              ASSERT_GE(h.at - it->second, b.cooldown) << "seed " << seed << " tick " << tick;
            }
          }
          if (c.reason == "scale-down") {
            ++scale_downs;
            double peak = 0;
            for (const auto& [t, v] : needs[{i, r}]) peak = std::max(peak, v);
            ASSERT_GE(c.new_value, peak * (1 + o.plan.headroom_margin) * (1 - kEps))
                << "seed " << seed << " tick " << tick;
          }
          last_change[{i, r}] = h.at;
        }
      }
      w.apply(res);
    }
    const PlannerCounters& c = planner.counters();
    totals.undos += c.undos;
    totals.breaker_trips += c.breaker_trips;
    totals.capacity_limited += c.capacity_limited;
    totals.contention_ticks += c.contention_ticks;
  }
  // The scenarios exercised what they are meant to.
  std::printf(
      "changes %llu scale-downs %llu undos %llu trips %llu capacity cuts %llu "
      "contention ticks %llu\n",
      static_cast<unsigned long long>(changes_seen), static_cast<unsigned long long>(scale_downs),
      static_cast<unsigned long long>(totals.undos),
      static_cast<unsigned long long>(totals.breaker_trips),
      static_cast<unsigned long long>(totals.capacity_limited),
      static_cast<unsigned long long>(totals.contention_ticks));
  EXPECT_GT(changes_seen, 10000u);
  EXPECT_GT(scale_downs, 100u);
  EXPECT_GT(totals.undos, 10u);
  EXPECT_GT(totals.breaker_trips, 10u);
  EXPECT_GT(totals.capacity_limited, 10u);
  EXPECT_GT(totals.contention_ticks, 10u);
}

TEST(PlannerProperty, DirectionFlipsStayWithinTheBreakerLimit) {
  for (std::uint64_t seed = 10001; seed <= 10500; ++seed) {
    World w(seed);
    w.enforce = true;
    Planner planner(w.options);
    std::map<std::pair<std::size_t, Resource>, std::deque<SteadyTime>> flips;
    std::map<std::pair<std::size_t, Resource>, int> last_dir;
    for (int tick = 0; tick < 720; ++tick) {
      w.step_inputs();
      const PlanResult res = planner.plan(w.host);
      for (std::size_t i = 0; i < res.decisions.size(); ++i) {
        for (const Change& c : res.decisions[i].plan.changes) {
          const int dir = c.new_value > c.old_value ? 1 : -1;
          auto key = std::make_pair(i, c.resource);
          auto& q = flips[key];
          while (!q.empty() && q.front() <= w.host.at - std::chrono::hours(1)) q.pop_front();
          if (last_dir[key] != 0 && last_dir[key] != dir) q.push_back(w.host.at);
          last_dir[key] = dir;
          ASSERT_LE(static_cast<int>(q.size()), w.options.plan.breaker_flips_per_hour)
              << "seed " << seed;
        }
        if (!res.decisions[i].frozen) continue;
        // Flips are forgotten by a freeze.
        for (Resource r : kAllResources) flips[{i, r}].clear();
      }
      w.apply(res);
    }
  }
}

// Demand 2 to 8 times the allocation (the replay host's saturating throttled share): random
// steps, cooldowns, settle times and margins. Every growth is kept while the usage rises,
// each within one step and after its cooldown, until the allocation covers the demand.
TEST(PlannerProperty, SaturatedDemandIsGrownStepByStepAndNeverUndone) {
  std::mt19937_64 rng(4242);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<>(lo, hi)(rng);
  };
  const seconds cooldowns[] = {seconds(0), seconds(10), seconds(60), seconds(300)};
  std::uint64_t growths = 0;
  for (int scenario = 0; scenario < 200; ++scenario) {
    PlannerOptions o = quiet_options();
    o.plan.cpu.max_step_fraction = uniform(0.1, 1.0);
    o.plan.cpu.cooldown = cooldowns[rng() % 4];
    o.plan.verify_settle = seconds(10 * (1 + rng() % 30));
    o.plan.headroom_margin = uniform(0, 0.5);
    // A step below the hysteresis can never move (a full step is not significant).
    o.plan.hysteresis = uniform(0, std::min(0.2, 0.9 * o.plan.cpu.max_step_fraction));
    o.plan.breaker_flips_per_hour = 1 + static_cast<int>(rng() % 10);
    double alloc = uniform(0.2, 2);
    const double demand = alloc * uniform(2, 8);
    Planner planner(o);
    std::optional<SteadyTime> last_change;
    for (int t = 0; t < 2880; ++t) {  // 8 h at 10 s
      const SteadyTime at = start_time() + seconds(10 * t);
      const double d = demand * uniform(0.97, 1.03);
      const double usage = std::min(d, alloc);
      InstanceInput in = cpu_instance("s", alloc, 0);
      const double share = std::min(1.0, std::max(d - alloc, 0.0) / alloc);
      in.usage = cpu_vector(usage);
      in.need = cpu_vector(usage + share * alloc);
      in.cpu_throttled_share = share;
      const PlanResult r = planner.plan(host_at(at, {in}));
      for (const Change& c : r.decisions[0].plan.changes) {
        // Below the demand the usage rose with every growth: none may be undone.
        if (c.old_value < demand * 0.97) {
          ASSERT_NE(c.reason, "undo") << "scenario " << scenario << " t " << t;
          ASSERT_GT(c.new_value, c.old_value) << "scenario " << scenario;
          ASSERT_LE(c.new_value - c.old_value,
                    o.plan.cpu.max_step_fraction * std::max(c.old_value, o.plan.cpu.min) + kEps);
          ++growths;
        }
        if (last_change) {
          ASSERT_GE(at - *last_change, o.plan.cpu.cooldown);
        }
        last_change = at;
        alloc = c.new_value;
      }
    }
    EXPECT_GE(alloc, demand * 0.97) << "scenario " << scenario;
  }
  EXPECT_GT(growths, 200u);
}

// Steady demand with +-3 % noise: the allocation settles and stops moving.
TEST(PlannerProperty, ConvergesOnSteadyDemandWithoutOscillating) {
  std::mt19937_64 rng(77);
  for (int scenario = 0; scenario < 1000; ++scenario) {
    PlannerOptions o = quiet_options();
    o.plan.cpu.cooldown = seconds(30);
    const double need = std::uniform_real_distribution<>(0.2, 6)(rng);
    double alloc = std::uniform_real_distribution<>(0.2, 8)(rng);
    Planner planner(o);
    int flips = 0, last_dir = 0, late_changes = 0;
    const int ticks = 1080;  // 3 h at 10 s
    for (int t = 0; t < ticks; ++t) {
      const double n = need * std::uniform_real_distribution<>(0.97, 1.03)(rng);
      PlanResult r =
          planner.plan(host_at(start_time() + seconds(10 * t), {cpu_instance("x", alloc, n)}));
      for (const Change& c : r.decisions[0].plan.changes) {
        const int dir = c.new_value > c.old_value ? 1 : -1;
        if (last_dir != 0 && dir != last_dir) ++flips;
        last_dir = dir;
        if (t >= ticks - 360) ++late_changes;
        alloc = c.new_value;
      }
    }
    EXPECT_LE(flips, 1) << "scenario " << scenario;
    // At most one last small trim in the final hour (the window's peak ageing out can open
    // a gap just past the hysteresis once), never back and forth.
    EXPECT_LE(late_changes, 1) << "scenario " << scenario << " need " << need;
    // Settled between the peak need and need + margin, within hysteresis.
    EXPECT_GE(alloc, need * 1.03 - 1e-9);
    EXPECT_LE(alloc, std::max(need * 1.03 * 1.15 / (1 - o.plan.hysteresis), o.plan.cpu.min) * 1.06);
  }
}

// Need falls and stays low: the allocation comes down, never below the peak plus margin.
TEST(PlannerProperty, ScalesDownAfterSustainedLowNeedNeverBelowPeakPlusMargin) {
  std::mt19937_64 rng(99);
  for (int scenario = 0; scenario < 1000; ++scenario) {
    PlannerOptions o = quiet_options();
    o.plan.cpu.cooldown = seconds(60);
    const double high = std::uniform_real_distribution<>(2, 6)(rng);
    const double low = std::uniform_real_distribution<>(0.2, 1.5)(rng);
    double alloc = high * 1.15;
    Planner planner(o);
    int downs = 0;
    SteadyTime low_from = start_time() + seconds(600);
    for (int t = 0; t < 1440; ++t) {  // 4 h at 10 s
      const SteadyTime at = start_time() + seconds(10 * t);
      // Low need noisy upwards only, so its peak is at least `low`.
      const double n =
          at < low_from ? high : low * std::uniform_real_distribution<>(1.0, 1.05)(rng);
      PlanResult r = planner.plan(host_at(at, {cpu_instance("x", alloc, n)}));
      for (const Change& c : r.decisions[0].plan.changes) {
        ASSERT_EQ(c.reason, "scale-down");
        // Nothing before the window of low need has passed.
        ASSERT_GE(at - low_from, o.plan.scale_down_window);
        ASSERT_GE(c.new_value, low * 1.15 * (1 - 1e-9));
        alloc = c.new_value;
        ++downs;
      }
    }
    EXPECT_GT(downs, 0) << "scenario " << scenario;
    EXPECT_LE(alloc, std::max(low * 1.05 * 1.15 / (1 - o.plan.hysteresis), o.plan.cpu.min) * 1.01)
        << "scenario " << scenario << " low " << low << " high " << high;
  }
}

TEST(PlannerProperty, MemoryNeverShrinksUnderPressure) {
  std::mt19937_64 rng(5);
  for (int scenario = 0; scenario < 1000; ++scenario) {
    PlannerOptions o = quiet_options();
    o.plan.scale_down_window = seconds(30);
    Planner planner(o);
    double alloc = 4e9;
    for (int t = 0; t < 200; ++t) {
      InstanceInput in;
      in.instance_id = "m";
      in.allocation[Resource::kMemory] = alloc;
      const double need = std::uniform_real_distribution<>(0.5e9, 6e9)(rng);
      in.need[Resource::kMemory] = need;
      in.usage[Resource::kMemory] = std::min(need, alloc * 0.9);  // some unmet demand at times
      in.memory_pressure = std::uniform_real_distribution<>(0, 1)(rng) < 0.3;
      PlanResult r = planner.plan(host_at(start_time() + seconds(10 * t), {in}));
      for (const Change& c : r.decisions[0].plan.changes) {
        if (in.memory_pressure) {
          ASSERT_GT(c.new_value, c.old_value) << "scenario " << scenario;
        }
        alloc = c.new_value;
      }
    }
  }
}

}  // namespace
}  // namespace augur::plan
