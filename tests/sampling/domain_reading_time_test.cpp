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
#include "augur/host/proc_pid.h"
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

// The real Sampler on this host's cgroups, counting task-clock, with libvirt's readings
// coming from `script`.
class DomainReadingTime : public ::testing::Test {
 protected:
  void SetUp() override {
    auto layout = host::read_cgroup_layout("/proc");
    ASSERT_TRUE(layout) << layout.error().message();
    layout_ = std::move(layout).value();
  }
  Sampler make_sampler(std::deque<Result<DomainStatsReading>> script) {
    const std::vector<std::string> names = {"task-clock"};
    auto events = encode_events(names);
    EXPECT_TRUE(events) << events.error().message();
    return Sampler(std::make_unique<ThreadCounterSet>(std::move(events).value()), layout_,
                   UsageReader(layout_), HostUsageReader(), read_host_capacity("/proc", "/sys", {}),
                   {}, std::make_unique<ScriptedReadings>(std::move(script)));
  }

 private:
  host::CgroupLayout layout_;
};

TEST_F(DomainReadingTime, ALateReadingGivesRatesOverItsOwnTimeAndTheOutageIsReportedOnce) {
  const std::string id = "static:self";
  std::deque<Result<DomainStatsReading>> script;
  script.push_back(reading(id, 10.0, 0ns));                  // t = 0
  script.push_back(DomainStatsReading{{}, {}, true});        // t = 1: still in flight
  script.push_back(reading(id, 11.5, 500ms));                // t = 2: read at 1.5 s
  script.push_back(DomainStatsReading{{}, {}, true});        // t = 3: in flight again
  script.push_back(Error{"libvirt has not answered", "x"});  // t = 4
  script.push_back(Error{"libvirt has not answered", "x"});  // t = 5
  script.push_back(reading(id, 14.0, 0ns));                  // t = 6: 2.5 s of CPU in 4.5 s
  Sampler sampler = make_sampler(std::move(script));
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

// A VM's memory comes from libvirt alone: while libvirt has not answered (augurd's first
// ticks, a slow or failing libvirtd) its cgroup's usage (QEMU's own memory and page cache
// besides the guest's) is not passed off as the VM's memory. Other instances keep theirs.
TEST_F(DomainReadingTime, AVmHasNoMemoryReadingWhileLibvirtHasNotAnswered) {
  const std::string vm_id = "static:vm";
  const std::string process_id = "static:process";
  std::deque<Result<DomainStatsReading>> script;
  script.push_back(Error{"libvirt has not answered", "x"});  // t = 0
  script.push_back(Error{"libvirt has not answered", "x"});  // t = 1
  DomainStatsReading with_balloon = reading(vm_id, 10.0, 0ns);
  with_balloon.domains[vm_id].balloon_rss_kib = 200 * 1024;
  script.push_back(with_balloon);  // t = 2
  DomainStatsReading again = reading(vm_id, 10.5, 0ns);
  again.domains[vm_id].balloon_rss_kib = 200 * 1024;
  script.push_back(again);  // t = 3: rates from here on
  Sampler sampler = make_sampler(std::move(script));
  auto self_as = [&](const std::string& id, InstanceKind kind) {
    Instance i;
    i.id = id;
    i.name = id;
    i.kind = kind;
    i.main_pid = ::getpid();
    i.thread_ids = {::getpid()};
    auto cgroups = host::read_proc_cgroup("/proc", ::getpid());  // this test's memory usage
    if (cgroups) i.cgroups = *cgroups;
    return i;
  };
  sampler.set_instances(
      {self_as(vm_id, InstanceKind::kVirtualMachine), self_as(process_id, InstanceKind::kProcess)});
  const SteadyTime t0{};
  std::vector<SamplerTick> ticks;
  for (int t = 0; t <= 3; ++t) ticks.push_back(sampler.tick(t0 + std::chrono::seconds(t)));
  auto sample_of = [&](int t, const std::string& id) -> const Sample* {
    for (const Sample& s : ticks[t].samples) {
      if (s.instance_id == id) return &s;
    }
    return nullptr;
  };
  for (int t : {1, 2}) {
    const Sample* vm = sample_of(t, vm_id);
    ASSERT_NE(vm, nullptr) << t;
    EXPECT_FALSE(vm->has(Metric::kMemoryBytes)) << "tick " << t << ": the cgroup's usage";
    bool explained = false;
    for (const auto& [m, reason] : vm->missing_reasons) {
      explained |= m == Metric::kMemoryBytes && reason.find("libvirt") != std::string::npos;
    }
    EXPECT_TRUE(explained) << t;
    const Sample* process = sample_of(t, process_id);
    ASSERT_NE(process, nullptr) << t;
    EXPECT_TRUE(process->has(Metric::kMemoryBytes)) << t << ": not a VM: its own usage";
  }
  const Sample* vm = sample_of(3, vm_id);
  ASSERT_NE(vm, nullptr);
  ASSERT_TRUE(vm->has(Metric::kMemoryBytes)) << "libvirt's balloon.rss";
  EXPECT_DOUBLE_EQ(vm->get(Metric::kMemoryBytes), 200.0 * 1024 * 1024);
}

}  // namespace
}  // namespace augur::sampling
