// ThreadCounterSet on real threads of this test process, with the real perf_event_open.
// Each counted thread holds 4 software counter fds and one pidfd.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "augur/sampling/perf/derive.h"
#include "augur/sampling/perf/thread_counter_set.h"

namespace augur::sampling {
namespace {

using namespace std::chrono_literals;

pid_t current_tid() {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

Nanos thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + Nanos(ts.tv_nsec);
}

std::size_t count_open_fds() {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory stream's own fd
}

std::vector<EncodedEvent> software_events() {
  const std::vector<std::string> names = {"task-clock", "context-switches", "cpu-migrations",
                                          "page-faults"};
  auto ev = encode_events(names);
  EXPECT_TRUE(ev) << ev.error().message();
  return std::move(ev).value();
}

// Threads that block until released, each reporting its tid.
class SleepingThreads {
 public:
  explicit SleepingThreads(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        {
          std::lock_guard lock(mu_);
          tids_.push_back(current_tid());
        }
        cv_.notify_all();
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return released_; });
      });
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return tids_.size() == n; });
  }
  ~SleepingThreads() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  SleepingThreads(const SleepingThreads&) = delete;
  SleepingThreads& operator=(const SleepingThreads&) = delete;
  [[nodiscard]] std::vector<pid_t> tids() {
    std::lock_guard lock(mu_);
    return tids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pid_t> tids_;
  bool released_ = false;
  std::vector<std::thread> threads_;
};

const PerfUnitRaw* find_unit(const PerfRaw& raw, pid_t tid) {
  for (const auto& u : raw.units) {
    if (u.key == tid) return &u;
  }
  return nullptr;
}

TEST(ThreadCounterSetLive, BusyThreadTaskClockMatchesItsKernelCpuTime) {
  ThreadCounterSet set(software_events());
  std::promise<pid_t> tid_p;
  std::promise<void> go;
  std::promise<Nanos> cpu_p;
  std::promise<void> release;
  std::thread busy([&, go_f = go.get_future(), release_f = release.get_future()]() mutable {
    tid_p.set_value(current_tid());
    go_f.wait();
    const Nanos start = thread_cpu_time();
    const auto until = std::chrono::steady_clock::now() + 1s;
    volatile std::uint64_t x = 0;
    while (std::chrono::steady_clock::now() < until) x = x + 1;
    cpu_p.set_value(thread_cpu_time() - start);
    release_f.wait();
  });
  const pid_t tid = tid_p.get_future().get();
  ASSERT_TRUE(set.apply("self", std::vector<pid_t>{tid}));
  const auto before = set.read_all();
  go.set_value();
  const Nanos cpu = cpu_p.get_future().get();
  const auto after = set.read_all();
  release.set_value();
  busy.join();

  const auto* u0 = find_unit(before[0], tid);
  const auto* u1 = find_unit(after[0], tid);
  ASSERT_TRUE(u0 && u1);
  const double counted_ns =
      u1->counts.get(Metric::kTaskClockCores) - u0->counts.get(Metric::kTaskClockCores);
  const auto kernel_ns = static_cast<double>(cpu.count());
  ASSERT_GT(kernel_ns, 1e8) << "the busy thread got almost no CPU";
  EXPECT_NEAR(counted_ns, kernel_ns, 0.10 * kernel_ns);
}

TEST(ThreadCounterSetLive, CountsContextSwitchesOfASleepingThread) {
  ThreadCounterSet set(software_events());
  std::promise<pid_t> tid_p;
  std::promise<void> go;
  std::promise<void> done;
  std::promise<void> release;
  std::thread sleeper([&, go_f = go.get_future(), release_f = release.get_future()]() mutable {
    tid_p.set_value(current_tid());
    go_f.wait();
    for (int i = 0; i < 100; ++i) std::this_thread::sleep_for(1ms);
    done.set_value();
    release_f.wait();
  });
  const pid_t tid = tid_p.get_future().get();
  ASSERT_TRUE(set.apply("self", std::vector<pid_t>{tid}));
  const auto before = set.read_all();
  go.set_value();
  done.get_future().wait();
  const auto after = set.read_all();
  release.set_value();
  sleeper.join();

  const auto* u0 = find_unit(before[0], tid);
  const auto* u1 = find_unit(after[0], tid);
  ASSERT_TRUE(u0 && u1);
  EXPECT_GE(u1->counts.get(Metric::kContextSwitches) - u0->counts.get(Metric::kContextSwitches),
            100.0);
}

TEST(ThreadCounterSetLive, ThreadThatExitsMidRunIsDroppedWithoutError) {
  ThreadCounterSet set(software_events());
  SleepingThreads stay(1);
  std::promise<pid_t> tid_p;
  std::promise<void> finish;
  std::thread leaver([&, f = finish.get_future()]() mutable {
    tid_p.set_value(current_tid());
    f.wait();
  });
  const pid_t gone_tid = tid_p.get_future().get();
  const pid_t stay_tid = stay.tids()[0];
  ASSERT_TRUE(set.apply("self", std::vector<pid_t>{stay_tid, gone_tid}));
  const auto before = set.read_all();
  ASSERT_EQ(before[0].units.size(), 2u);
  // join() returns when the tid is cleared, a moment before the kernel reports the exit
  // to pidfds: wait for that report as the sampler would see it at its next tick.
  const int watch = static_cast<int>(::syscall(SYS_pidfd_open, gone_tid, O_EXCL));
  ASSERT_GE(watch, 0);
  finish.set_value();
  leaver.join();
  pollfd p{watch, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  ::close(watch);
  const auto after = set.read_all();
  ASSERT_EQ(after[0].units.size(), 1u);
  EXPECT_EQ(after[0].units[0].key, stay_tid);
  EXPECT_EQ(after[0].gone, std::vector<int>{gone_tid});
  EXPECT_EQ(set.open_fd_count(), 5u);
  Sample s;
  derive_perf_rates(before[0], after[0], 10ms, s);
  EXPECT_TRUE(s.has(Metric::kContextSwitches));
  EXPECT_EQ(s.vcpu_utilisation.size(), 1u);
  // Applying a list that still names the exited thread skips it quietly.
  EXPECT_TRUE(set.apply("self", std::vector<pid_t>{stay_tid, gone_tid}));
  EXPECT_EQ(set.open_fd_count(), 5u);
}

TEST(ThreadCounterSetLive, HardwareFallsBackOnThisHostWithoutAPmu) {
  auto events = encode_events(default_event_names());
  ASSERT_TRUE(events) << events.error().message();
  ThreadCounterSet set(std::move(events).value());
  SleepingThreads threads(2);
  ASSERT_TRUE(set.apply("self", threads.tids()));
  // No PMU here: the kernel has no "cpu" event source, so PERF_TYPE_HARDWARE is ENOENT.
  const auto status = set.hardware_status();
  ASSERT_EQ(status.state, HardwareStatus::State::kUnavailable);
  EXPECT_EQ(status.reason,
            "hardware events unavailable: perf_event_open(cycles): No such file or directory "
            "(no hardware PMU exposed to this host)");
  EXPECT_EQ(set.open_fd_count(), 2u * 5u);
  const auto before = set.read_all();
  std::this_thread::sleep_for(20ms);
  const auto after = set.read_all();
  Sample s;
  derive_perf_rates(before[0], after[0], 20ms, s);
  for (Metric m : {Metric::kTaskClockCores, Metric::kContextSwitches, Metric::kCpuMigrations,
                   Metric::kPageFaults}) {
    EXPECT_TRUE(s.has(m)) << metric_name(m);
  }
  std::size_t hardware_missing = 0;
  for (const auto& [m, why] : s.missing_reasons) {
    EXPECT_FALSE(s.has(m));
    EXPECT_EQ(why, status.reason);
    ++hardware_missing;
  }
  EXPECT_EQ(hardware_missing, 6u);
  EXPECT_TRUE(set.take_hardware_notice().has_value());
  EXPECT_FALSE(set.take_hardware_notice().has_value());
}

TEST(ThreadCounterSetLive, FdCountReturnsToStartAfterChurn) {
  const std::size_t start = count_open_fds();
  {
    ThreadCounterSet set(software_events());
    SleepingThreads a(6);
    SleepingThreads b(3);
    const auto ta = a.tids();
    const auto tb = b.tids();
    ASSERT_TRUE(set.apply("a", ta));
    ASSERT_TRUE(set.apply("b", tb));
    EXPECT_EQ(count_open_fds(), start + 9 * 5);
    (void)set.read_all();
    ASSERT_TRUE(set.apply("a", std::vector<pid_t>(ta.begin(), ta.begin() + 2)));
    ASSERT_TRUE(set.apply("b", std::vector<pid_t>{tb[0], ta[5]}));
    EXPECT_EQ(count_open_fds(), start + 4 * 5);
    set.remove("a");
    (void)set.read_all();
    ASSERT_TRUE(set.apply("c", ta));
    EXPECT_EQ(count_open_fds(), start + 8 * 5);
    set.remove("b");
    set.remove("c");
    EXPECT_EQ(count_open_fds(), start);
    ASSERT_TRUE(set.apply("d", tb));
  }  // the destructor closes what is left
  EXPECT_EQ(count_open_fds(), start);
}

}  // namespace
}  // namespace augur::sampling
