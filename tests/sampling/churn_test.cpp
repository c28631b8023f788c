// Churn through the whole sampling path on this machine: Discoverer (a static entry for this
// test process, a cgroup glob over cgroups the test makes in cgroup2 and the v1 cpu, cpuacct
// and memory hierarchies) feeding the Sampler (real perf counters, real cgroup and procfs
// files) for several ticks while threads and instances come and go, some of them between
// discovery and sampling. Checks: no error for anything that vanished, Samples follow the
// instances and their threads, and every descriptor opened for them is closed again.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "augur/discovery/cgroup_source.h"
#include "augur/discovery/discoverer.h"
#include "augur/discovery/static_source.h"
#include "augur/host/cgroup_layout.h"
#include "real_sampler.h"
#include "scratch_cgroups.h"
#include "worker.h"

namespace augur::sampling {
namespace {

using augur::testing::count_open_fds;
using augur::testing::fd_targets;
using augur::testing::ScratchCgroups;
using augur::testing::Worker;
namespace w = augur::testing::worker;
using namespace std::chrono_literals;

// Threads of this test process that nap until stopped.
class OwnThreads {
 public:
  ~OwnThreads() {
    while (!threads_.empty()) remove_newest();
  }
  pid_t add() {
    auto t = std::make_unique<Napper>();
    Napper* raw = t.get();
    t->thread = std::thread([raw] {
      raw->tid = static_cast<pid_t>(::syscall(SYS_gettid));
      while (!raw->stop) std::this_thread::sleep_for(2ms);
    });
    while (raw->tid == 0) std::this_thread::sleep_for(100us);
    threads_.push_back(std::move(t));
    return raw->tid;
  }
  pid_t remove_newest() {
    Napper& t = *threads_.back();
    t.stop = true;
    t.thread.join();
    const pid_t tid = t.tid;
    threads_.pop_back();
    return tid;
  }

 private:
  struct Napper {
    std::atomic<bool> stop{false};
    std::atomic<pid_t> tid{0};
    std::thread thread;
  };
  std::vector<std::unique_ptr<Napper>> threads_;
};

// Everything but the one-time hardware fallback and informational notices is a failure here.
void expect_quiet(const std::vector<SamplerNotice>& notices, const std::string& step) {
  for (const auto& n : notices) {
    const bool bad = n.severity == SamplerNotice::Severity::kError ||
                     (n.severity == SamplerNotice::Severity::kWarning && n.key != "hardware");
    EXPECT_FALSE(bad) << step << ": " << n.key << ": " << n.message;
  }
}

class ChurnRig {
 public:
  ChurnRig(host::CgroupLayout layout, const std::string& pattern)
      : layout_(std::move(layout)), sampler_(augur::testing::make_real_sampler(layout_)) {
    config::StaticEntry self;
    self.name = "self";
    self.pid = ::getpid();
    discoverer_.add_source(
        std::make_unique<discovery::StaticSource>(discovery::StaticSource::create({self}).value()));
    discovery::CgroupSourceOptions o;
    o.patterns = {pattern};
    discoverer_.add_source(std::make_unique<discovery::CgroupSource>(o));
  }

  [[nodiscard]] bool ready() const { return sampler_ != nullptr; }

  // Discovery, then `between` (things vanishing after discovery), then set_instances,
  // `before_tick`, and the tick. Checks quiet notices and that Samples are exactly the
  // instances counted at both this and the previous step.
  SamplerTick step(const std::string& label, const std::function<void()>& between = {},
                   const std::function<void()>& before_tick = {}) {
    std::this_thread::sleep_for(100ms);
    discovery::DiscoveryRun run = discoverer_.run();
    for (const auto& e : run.errors)
      ADD_FAILURE() << label << ": " << e.source << ": " << e.error.message();
    if (between) between();
    expect_quiet(sampler_->set_instances(run.instances), label + " set_instances");
    if (before_tick) before_tick();
    SamplerTick tick = sampler_->tick(std::chrono::steady_clock::now());
    expect_quiet(tick.notices, label + " tick");

    std::map<std::string, Instance> now;
    for (const auto& i : run.instances) now.emplace(i.id, i);
    std::set<std::string> expected, got;
    for (const auto& [id, inst] : now) {
      if (previous_.count(id) != 0) expected.insert(id);
    }
    for (const auto& s : tick.samples) got.insert(s.instance_id);
    EXPECT_EQ(got, expected) << label;
    previous_ = std::move(now);
    return tick;
  }

  const Instance* instance(const std::string& id) const {
    const auto it = previous_.find(id);
    return it == previous_.end() ? nullptr : &it->second;
  }

  Sampler& sampler() { return *sampler_; }

 private:
  host::CgroupLayout layout_;
  std::unique_ptr<Sampler> sampler_;
  discovery::Discoverer discoverer_;
  std::map<std::string, Instance> previous_;
};

const Sample* find_sample(const SamplerTick& t, const std::string& id) {
  for (const auto& s : t.samples) {
    if (s.instance_id == id) return &s;
  }
  return nullptr;
}

TEST(Churn, InstancesAndThreadsComeAndGoWithoutErrorsOrLeakedDescriptors) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout) << layout.error().message();
  ASSERT_TRUE(layout->unified.has_value()) << "this machine mounts cgroup2";
  const std::string base = "augur-test-" + std::to_string(::getpid()) + "-churn";
  const std::vector<std::string> controllers = {"", "cpu", "cpuacct", "memory"};

  ScratchCgroups scratch;
  // The same path in every hierarchy, as a container runtime makes them.
  auto dirs_of = [&](const std::string& rel) {
    std::vector<std::string> out;
    for (const auto& c : controllers) {
      if (auto d = layout->directory(CgroupRef{c, "/" + rel})) out.push_back(*d);
    }
    return out;
  };
  auto make_cgroup = [&](const std::string& rel) {
    for (const auto& d : dirs_of(rel))
      ASSERT_TRUE(scratch.make_dir(d)) << d << ": " << std::strerror(errno);
  };
  auto move_into = [&](const std::string& rel, pid_t pid) {
    for (const auto& d : dirs_of(rel)) {
      ASSERT_TRUE(ScratchCgroups::write(d + "/cgroup.procs", std::to_string(pid))) << d;
    }
  };
  auto remove_cgroup = [&](const std::string& rel) {
    for (const auto& d : dirs_of(rel)) {
      EXPECT_TRUE(ScratchCgroups::remove_dir(d)) << d << ": " << std::strerror(errno);
      scratch.forget_dir(d);
    }
  };
  make_cgroup(base);
  const std::string id_a = "cgroup:/" + base + "/ct-a";
  const std::string id_b = "cgroup:/" + base + "/ct-b";
  const std::string id_self = "static:self";

  const std::size_t fds_before = count_open_fds();
  {
    ChurnRig rig(*layout, base + "/*");
    ASSERT_TRUE(rig.ready());
    // Idle: the host's own files open, nothing counted.
    (void)rig.sampler().set_instances({});
    (void)rig.sampler().tick(std::chrono::steady_clock::now());
    const std::size_t fds_idle = count_open_fds();

    // s0: only this process, one thread.
    rig.step("s0");
    rig.step("s0'");  // its files are open after the first read
    const std::size_t fds_self_only = count_open_fds();
    ASSERT_NE(rig.instance(id_self), nullptr);
    EXPECT_EQ(rig.instance(id_self)->thread_ids, std::vector<pid_t>{::getpid()});
    EXPECT_GT(fds_self_only, fds_idle);

    // s1: two more threads here; container A with a worker of two threads; B empty.
    OwnThreads own;
    const pid_t t1 = own.add();
    const pid_t t2 = own.add();
    make_cgroup(base + "/ct-a");
    make_cgroup(base + "/ct-b");
    Worker a;
    ASSERT_TRUE(a.running());
    move_into(base + "/ct-a", a.pid());
    ASSERT_TRUE(a.command(w::kAddThread));
    rig.step("s1");
    ASSERT_NE(rig.instance(id_a), nullptr);
    EXPECT_EQ(rig.instance(id_a)->thread_ids.size(), 2u);
    EXPECT_EQ(rig.instance(id_a)->main_pid, a.pid());
    EXPECT_TRUE(rig.instance(id_b)->thread_ids.empty());
    EXPECT_EQ(rig.instance(id_self)->thread_ids.size(), 3u);

    // s2: A grows, this process shrinks, B gets a worker.
    ASSERT_TRUE(a.command(w::kAddThread));
    EXPECT_EQ(own.remove_newest(), t2);
    Worker b;
    ASSERT_TRUE(b.running());
    move_into(base + "/ct-b", b.pid());
    SamplerTick s2 = rig.step("s2");
    {
      const Sample* self = find_sample(s2, id_self);
      ASSERT_NE(self, nullptr);
      EXPECT_EQ(self->vcpu_utilisation.size(), 2u) << "main and t1 were counted both ticks";
      const Sample* sa = find_sample(s2, id_a);
      ASSERT_NE(sa, nullptr);
      EXPECT_EQ(sa->vcpu_utilisation.size(), 2u) << "the two threads A had at s1";
      EXPECT_TRUE(sa->has(Metric::kContextSwitches)) << "napping threads switch";
      EXPECT_TRUE(sa->has(Metric::kCpuUsageCores)) << "A's cgroup accounting";
      EXPECT_TRUE(sa->has(Metric::kMemoryBytes));
      EXPECT_FALSE(sa->has(Metric::kCycles)) << "no PMU on this machine: missing, never zero";
      const auto cycles = std::find_if(sa->missing_reasons.begin(), sa->missing_reasons.end(),
                                       [](const auto& r) { return r.first == Metric::kCycles; });
      ASSERT_NE(cycles, sa->missing_reasons.end());
      EXPECT_TRUE(cycles->second.starts_with("hardware events unavailable: perf_event_open("))
          << cycles->second;
      RecordProperty("cycles_missing_reason", cycles->second);
      ASSERT_NE(find_sample(s2, id_b), nullptr);
    }
    EXPECT_EQ(rig.instance(id_a)->thread_ids.size(), 3u);

    // s3: a thread seen by discovery ends before its counters open; B's whole process dies
    // after set_instances, before the tick reads it.
    pid_t doomed = 0;
    SamplerTick s3 = rig.step(
        "s3", [&] { doomed = own.remove_newest(); }, [&] { b.stop(); });
    EXPECT_EQ(doomed, t1);
    ASSERT_NE(find_sample(s3, id_b), nullptr) << "still listed: sampled from what remains";
    {
      const Sample* self = find_sample(s3, id_self);
      ASSERT_NE(self, nullptr);
      EXPECT_EQ(self->vcpu_utilisation.size(), 1u) << "only the main thread in both readings";
    }
    (void)t1;

    // s4: A's worker killed and its cgroup removed; B's cgroup is now empty.
    a.stop();
    remove_cgroup(base + "/ct-a");
    SamplerTick s4 = rig.step("s4");
    EXPECT_EQ(find_sample(s4, id_a), nullptr);
    EXPECT_EQ(rig.instance(id_a), nullptr);
    ASSERT_NE(rig.instance(id_b), nullptr);
    EXPECT_TRUE(rig.instance(id_b)->thread_ids.empty());

    // s5: B's cgroup removed too; back to this process's main thread alone.
    remove_cgroup(base + "/ct-b");
    rig.step("s5");
    SamplerTick s6 = rig.step("s6");
    EXPECT_EQ(s6.samples.size(), 1u);
    EXPECT_EQ(count_open_fds(), fds_self_only) << "every descriptor of A, B and the threads closed";

    (void)rig.sampler().set_instances({});
    (void)rig.sampler().tick(std::chrono::steady_clock::now());
    EXPECT_EQ(count_open_fds(), fds_idle);
    EXPECT_EQ(rig.sampler().open_files(), 0u);
  }
  EXPECT_EQ(count_open_fds(), fds_before);
}

// A counted process started by the daemon's process tree must not inherit its counter and
// cgroup descriptors (every one of them is O_CLOEXEC).
TEST(Churn, WorkersStartedWhileCountingInheritNoDescriptors) {
  auto layout = host::read_cgroup_layout("/proc");
  ASSERT_TRUE(layout) << layout.error().message();
  ChurnRig rig(*layout, "augur-test-none/*");
  ASSERT_TRUE(rig.ready());
  OwnThreads own;
  own.add();
  rig.step("first");
  rig.step("second");
  Worker child;
  ASSERT_TRUE(child.command(w::kAddThread)) << "the worker is up";
  for (const std::string& target : fd_targets(std::to_string(child.pid()))) {
    EXPECT_EQ(target.find("perf_event"), std::string::npos) << target;
    EXPECT_EQ(target.find("pidfd"), std::string::npos) << target;
    EXPECT_EQ(target.find("/sys/fs/cgroup"), std::string::npos) << target;
    EXPECT_EQ(target.find("/proc/"), std::string::npos) << target;
  }
}

}  // namespace
}  // namespace augur::sampling
