// Contention is not demand: a victim of a noisy neighbour is not grown.
#include <gtest/gtest.h>

#include <algorithm>

#include "scenario.h"

namespace augur::plan {
namespace {

using namespace augur::plan::testing;
using std::chrono::seconds;

// CPU instance with explicit own work and run-queue wait; need = own + wait, as
// predict::need_from_sample counts wait as unmet demand.
InstanceInput cpu_with_wait(std::string id, double alloc, double own, double wait) {
  InstanceInput in = cpu_instance(std::move(id), alloc, own + wait);
  in.usage = cpu_vector(own);
  in.own_work_cores = own;
  in.runqueue_wait_share = wait;
  return in;
}

double ramp(int t, int from, int to, double a, double b) {
  if (t <= from) return a;
  if (t >= to) return b;
  return a + (b - a) * (t - from) / static_cast<double>(to - from);
}

bool grew_cpu(const InstanceDecision& d) {
  return std::any_of(d.plan.changes.begin(), d.plan.changes.end(), [](const Change& c) {
    return c.resource == Resource::kCpu && c.new_value > c.old_value;
  });
}

TEST(Contention, VictimWithFlatOwnWorkIsNotGrownAndTheNeighbourIsNamed) {
  Planner p(quiet_options());
  bool classified = false;
  for (int t = 0; t <= 900; t += 5) {
    // The neighbour ramps up from 120 s to 300 s; the victim's wait follows, its work is flat.
    const double neighbour_need = ramp(t, 120, 300, 0.3, 1.5);
    const double victim_wait = ramp(t, 120, 300, 0.02, 0.35);
    InstanceInput victim = cpu_with_wait("victim", 0.5, 0.4, victim_wait);
    InstanceInput neighbour = cpu_with_wait("neighbour", 2.0, neighbour_need, 0.01);
    InstanceInput bystander = cpu_with_wait("bystander", 1.0, 0.5, 0.01);
    HostInput h = host_at(start_time() + seconds(t), {victim, neighbour, bystander});
    PlanResult r = p.plan(h);
    ASSERT_FALSE(grew_cpu(r.decisions[0])) << "victim grown at " << t << " s";
    if (r.decisions[0].contention) {
      classified = true;
      ASSERT_EQ(r.contention.size(), 1u);
      EXPECT_EQ(r.contention[0].instance_id, "victim");
      EXPECT_EQ(r.contention[0].antagonists, std::vector<std::string>{"neighbour"});
    }
    if (t >= 400) {
      // Long after the ramp the window no longer shows it; the latch keeps the verdict.
      EXPECT_TRUE(r.decisions[0].contention) << "at " << t << " s";
    }
  }
  EXPECT_TRUE(classified);
  EXPECT_GT(p.counters().contention_ticks, 0u);
}

TEST(Contention, RisingOwnWorkIsDemandAndIsGrown) {
  Planner p(quiet_options());
  bool grown = false;
  for (int t = 0; t <= 600; t += 5) {
    const double own = ramp(t, 120, 300, 0.3, 0.5);
    const double wait = ramp(t, 120, 300, 0.02, 0.3);
    PlanResult r =
        p.plan(host_at(start_time() + seconds(t), {cpu_with_wait("busy", 0.5, own, wait)}));
    EXPECT_FALSE(r.decisions[0].contention) << "at " << t << " s";
    grown = grown || grew_cpu(r.decisions[0]);
  }
  EXPECT_TRUE(grown);
}

TEST(Contention, PressureFromOutsideTheKnownInstancesHasNoAntagonist) {
  Planner p(quiet_options());
  bool classified = false;
  for (int t = 0; t <= 300; t += 5) {
    InstanceInput victim = cpu_with_wait("victim", 0.5, 0.4, ramp(t, 60, 180, 0.0, 0.3));
    victim.runqueue_wait_share = kUnknown;  // PSI alone serves as the stall signal
    victim.cpu_pressure_some = ramp(t, 60, 180, 0.0, 0.3);
    PlanResult r =
        p.plan(host_at(start_time() + seconds(t), {victim, cpu_with_wait("calm", 1.0, 0.5, 0.0)}));
    ASSERT_FALSE(grew_cpu(r.decisions[0]));
    if (r.decisions[0].contention) {
      classified = true;
      EXPECT_TRUE(r.contention.at(0).antagonists.empty());
    }
  }
  EXPECT_TRUE(classified);
}

TEST(Contention, ClearsWhenTheStallFallsBack) {
  Planner p(quiet_options());
  PlanResult r;
  for (int t = 0; t <= 300; t += 5) {
    r = p.plan(host_at(start_time() + seconds(t),
                       {cpu_with_wait("victim", 0.5, 0.4, ramp(t, 60, 120, 0.0, 0.3))}));
  }
  ASSERT_TRUE(r.decisions[0].contention);
  for (int t = 305; t <= 800; t += 5) {  // longer than the window
    r = p.plan(host_at(start_time() + seconds(t), {cpu_with_wait("victim", 0.5, 0.4, 0.0)}));
  }
  EXPECT_FALSE(r.decisions[0].contention);
}

TEST(Contention, UnknownOwnWorkIsNeverClassified) {
  Planner p(quiet_options());
  for (int t = 0; t <= 300; t += 5) {
    InstanceInput victim = cpu_with_wait("victim", 0.5, 0.4, ramp(t, 60, 180, 0.0, 0.3));
    victim.own_work_cores = kUnknown;
    PlanResult r = p.plan(host_at(start_time() + seconds(t), {victim}));
    EXPECT_FALSE(r.decisions[0].contention);
  }
}

}  // namespace
}  // namespace augur::plan

namespace augur::plan {
namespace {

TEST(Contention, RisingQuotaThrottlingIsDemandEvenWithFlatOwnWork) {
  Planner p(testing::quiet_options());
  bool grown = false;
  for (int t = 0; t <= 600; t += 5) {
    // Capped at its quota: own work flat at the cap, throttling and waits rising.
    const double throttled = ramp(t, 120, 300, 0.0, 0.4);
    InstanceInput in = cpu_with_wait("capped", 0.5, 0.5, ramp(t, 120, 300, 0.0, 0.2));
    in.cpu_throttled_share = throttled;
    in.need = testing::cpu_vector(0.5 + throttled * 0.5);
    PlanResult r = p.plan(testing::host_at(testing::start_time() + std::chrono::seconds(t), {in}));
    EXPECT_FALSE(r.decisions[0].contention) << "at " << t << " s";
    grown = grown || grew_cpu(r.decisions[0]);
  }
  EXPECT_TRUE(grown);
}

}  // namespace
}  // namespace augur::plan

#include <random>

namespace augur::plan {
namespace {

// Random victims, ramps and neighbours: the victim is never grown, is classified, and the
// one neighbour that rose is named first, the flat ones never.
TEST(Contention, RandomNoisyNeighbourScenariosAreClassifiedNotGrown) {
  std::mt19937_64 rng(2024);
  auto u = [&](double a, double b) { return std::uniform_real_distribution<>(a, b)(rng); };
  for (int scenario = 0; scenario < 2000; ++scenario) {
    Planner p(testing::quiet_options());
    const double alloc = u(0.3, 4);
    // Steady need well inside the allocation: any growth would be the stall's doing.
    const double own = alloc * u(0.4, 0.75);
    const double wait_rise = u(0.1, 0.6);
    const int ramp_s = 30 + 5 * static_cast<int>(rng() % 49);  // up to 270 s < the window
    const std::size_t others = 1 + rng() % 4;
    const std::size_t noisy = rng() % others;
    const double noisy_rise = u(0.3, 2);
    bool classified_at_end = false;
    for (int t = 0; t <= 400 + ramp_s + 400; t += 5) {
      std::vector<InstanceInput> ins;
      ins.push_back(cpu_with_wait("victim", alloc, own * u(0.97, 1.03),
                                  0.01 + ramp(t, 400, 400 + ramp_s, 0, wait_rise) + u(0, 0.005)));
      for (std::size_t j = 0; j < others; ++j) {
        const double base = 0.5 + 0.3 * static_cast<double>(j);
        const double rise = j == noisy ? ramp(t, 400, 400 + ramp_s, 0, noisy_rise) : 0;
        ins.push_back(
            cpu_with_wait("n" + std::to_string(j), 8.0, (base + rise) * u(0.98, 1.02), 0.01));
      }
      PlanResult r = p.plan(testing::host_at(testing::start_time() + std::chrono::seconds(t), ins));
      ASSERT_FALSE(grew_cpu(r.decisions[0])) << "scenario " << scenario << " at " << t << " s";
      classified_at_end = r.decisions[0].contention;
      if (r.decisions[0].contention && t >= 400 + ramp_s) {
        ASSERT_FALSE(r.contention.at(0).antagonists.empty())
            << "scenario " << scenario << " t " << t << " ramp " << ramp_s << " own " << own
            << " wait_rise " << wait_rise << " noisy_rise " << noisy_rise << " others " << others;
        EXPECT_EQ(r.contention[0].antagonists[0], "n" + std::to_string(noisy));
        EXPECT_EQ(r.contention[0].antagonists.size(), 1u) << "scenario " << scenario;
      }
    }
    EXPECT_TRUE(classified_at_end) << "scenario " << scenario;
  }
}

}  // namespace
}  // namespace augur::plan
