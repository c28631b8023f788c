// libvirt's readings carry their own time (DomainStatsReading::age): a call that outlasts a
// tick's wait is used at the next tick, and its rates span the time between the readings,
// not the ticks; a tick while a call is still in flight holds the last rates. The real
// Sampler with this process as a static instance; the domain
// readings are given in the order a slow libvirtd would deliver them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <vector>

#include "augur/host/cgroup_layout.h"
#include "augur/sampling/perf/event.h"
#include "augur/sampling/perf/thread_counter_set.h"
#include "augur/sampling/sampler.h"

namespace augur::sampling {
namespace {

using namespace std::chrono_literals;

class ScriptedReadings final : public DomainStatsSource {
 public:
  explicit ScriptedReadings(std::deque<Result<DomainStatsReading>> script)
      : script_(std::move(script)) {}
  Result<DomainStatsReading> collect() override {
    if (script_.empty()) return DomainStatsReading{{}, {}, true};
    Result<DomainStatsReading> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

 private:
  std::deque<Result<DomainStatsReading>> script_;
};

DomainStatsReading reading(const std::string& id, double cpu_s, Nanos age) {
  DomainStatsRaw raw;
  raw.cpu_time_ns = static_cast<std::uint64_t>(cpu_s * 1e9);
  DomainStatsReading r;
  r.domains.emplace(id, raw);
  r.age = age;
  return r;
}

TEST(DomainReadingTime, ALateReadingGivesRatesOverItsOwnTimeAndTheOutageIsReportedOnce) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout) << layout.error().message();
  const std::vector<std::string> names = {"task-clock"};
  auto events = encode_events(names);
  ASSERT_TRUE(events) << events.error().message();
  const std::string id = "static:self";
  std::deque<Result<DomainStatsReading>> script;
  script.push_back(reading(id, 10.0, 0ns));                  // t = 0
  script.push_back(DomainStatsReading{{}, {}, true});        // t = 1: still in flight
  script.push_back(reading(id, 11.5, 500ms));                // t = 2: read at 1.5 s
  script.push_back(DomainStatsReading{{}, {}, true});        // t = 3: in flight again
  script.push_back(Error{"libvirt has not answered", "x"});  // t = 4
  script.push_back(Error{"libvirt has not answered", "x"});  // t = 5
  script.push_back(reading(id, 14.0, 0ns));                  // t = 6: 2.5 s of CPU in 4.5 s
  Sampler sampler(std::make_unique<ThreadCounterSet>(std::move(events).value()), *layout,
                  UsageReader(*layout), HostUsageReader(), read_host_capacity("/proc", "/sys", {}),
                  {}, std::make_unique<ScriptedReadings>(std::move(script)));
  Instance self;
  self.id = id;
  self.name = "self";
  self.main_pid = ::getpid();
  self.thread_ids = {::getpid()};
  sampler.set_instances({self});

  const SteadyTime t0{};
  std::vector<SamplerTick> ticks;
  for (int t = 0; t <= 6; ++t) ticks.push_back(sampler.tick(t0 + std::chrono::seconds(t)));
  auto cpu_at = [&](int t) {
    EXPECT_EQ(ticks[t].samples.size(), 1u) << "tick " << t;
    return ticks[t].samples.empty() ? -1.0 : ticks[t].samples[0].get(Metric::kCpuUsageCores);
  };
  // Tick 2: 1.5 s of guest CPU over the 1.5 s between the readings, whatever the tick says.
  EXPECT_NEAR(cpu_at(2), 1.0, 1e-9);
  EXPECT_EQ(ticks[2].samples[0].elapsed, 1s) << "the Sample's interval stays the tick's";
  // Tick 3, a call in flight: the last rates are held, not swapped for the cgroup's.
  EXPECT_NEAR(cpu_at(3), 1.0, 1e-9);
  // Tick 6: 2.5 s over 4.5 s.
  EXPECT_NEAR(cpu_at(6), 2.5 / 4.5, 1e-9);
  // Tick 1 (no rates yet) and ticks 4 and 5 (failed calls): the cgroup's CPU, not libvirt's.
  EXPECT_LT(cpu_at(1), 0.9);
  EXPECT_LT(cpu_at(4), 0.9);

  // The outage is an error at each failing tick (the daemon rate-limits by key); the in-flight
  // tick is none; the recovery is one resolved notice.
  auto notices_with = [&](int t, const std::string& key) {
    std::vector<SamplerNotice> out;
    for (const auto& n : ticks[t].notices) {
      if (n.key == key) out.push_back(n);
    }
    return out;
  };
  EXPECT_TRUE(notices_with(1, "libvirt-stats").empty());
  EXPECT_TRUE(notices_with(3, "libvirt-stats").empty());
  EXPECT_EQ(notices_with(4, "libvirt-stats").size(), 1u);
  EXPECT_EQ(notices_with(5, "libvirt-stats").size(), 1u);
  const auto back = notices_with(6, "libvirt-stats");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(back[0].resolved);
  EXPECT_EQ(back[0].severity, SamplerNotice::Severity::kInfo);
}

}  // namespace
}  // namespace augur::sampling
