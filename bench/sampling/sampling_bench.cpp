// Cost of the perf sampler per counted thread (software events), against the bare read()
// floor and against `perf stat -I 1000 --per-thread` counting the same threads.
// Run: build-*/bench/sampling/bench_sampling   (root; figures in docs/performance.md)
//
// perfmon/perf_event.h, not <linux/perf_event.h>: the same types as the library.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <perfmon/perf_event.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "augur/sampling/perf/derive.h"
#include "augur/sampling/perf/group_read.h"
#include "augur/sampling/perf/thread_counter_set.h"
#include "sleeping_threads.h"

extern char** environ;

namespace augur::bench {
namespace {

using namespace std::chrono_literals;
using sampling::ThreadCounterSet;

const std::vector<std::string> kSoftwareEvents = {"task-clock", "context-switches",
                                                  "cpu-migrations", "page-faults"};

std::vector<sampling::EncodedEvent> software_events() {
  return std::move(sampling::encode_events(kSoftwareEvents)).value();
}

Nanos thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + Nanos(ts.tv_nsec);
}

// Sets the per-thread cost counters: CPU time of this (the sampling) thread and wall time.
void report_per_thread(benchmark::State& state, std::size_t n, Nanos cpu, Nanos wall) {
  const auto units = static_cast<double>(state.iterations()) * static_cast<double>(n);
  state.counters["cpu_ns_per_thread"] = static_cast<double>(cpu.count()) / units;
  state.counters["wall_ns_per_thread"] = static_cast<double>(wall.count()) / units;
}

// One sampler tick per iteration: poll the pidfds, read every group, derive the rates.
// range(1) == 0 runs without pidfds (as on kernels before 6.9), to show what they cost.
void BM_SamplerTick(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SleepingThreads threads(n);
  auto sys = sampling::real_perf_syscalls();
  if (state.range(1) == 0) {
    sys.pidfd_open_thread = [](pid_t) {
      errno = EINVAL;
      return -1;
    };
  }
  ThreadCounterSet set(software_events(), sys);
  if (auto st = set.apply("bench", threads.tids()); !st) {
    state.SkipWithError(st.error().message().c_str());
    return;
  }
  auto prev = set.read_all();
  const auto start = std::chrono::steady_clock::now();
  const Nanos cpu0 = thread_cpu_time();
  for (auto _ : state) {
    auto cur = set.read_all();
    Sample sample;
    sampling::derive_perf_rates(prev[0], cur[0], 1s, sample);
    benchmark::DoNotOptimize(sample);
    prev = std::move(cur);
  }
  report_per_thread(state, n, thread_cpu_time() - cpu0, std::chrono::steady_clock::now() - start);
}

// The floor: one bare read() per thread of the same four-event group, nothing else.
void BM_BareGroupRead(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SleepingThreads threads(n);
  const auto events = software_events();
  std::vector<int> fds;
  std::vector<int> leaders;
  for (pid_t tid : threads.tids()) {
    int leader = -1;
    for (std::size_t i = 0; i < events.size(); ++i) {
      perf_event_attr attr;
      std::memset(&attr, 0, sizeof attr);
      attr.size = sizeof attr;
      attr.type = events[i].type;
      attr.config = events[i].config;
      attr.exclude_hv = 1;
      attr.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                         PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID;
      const int fd = static_cast<int>(
          ::syscall(__NR_perf_event_open, &attr, tid, -1, leader, PERF_FLAG_FD_CLOEXEC));
      if (fd < 0) {
        state.SkipWithError("perf_event_open failed");
        for (int f : fds) ::close(f);
        return;
      }
      if (leader < 0) {
        leader = fd;
        leaders.push_back(fd);
      }
      fds.push_back(fd);
    }
  }
  std::vector<std::byte> buf(sampling::group_read_size(events.size()));
  const auto start = std::chrono::steady_clock::now();
  const Nanos cpu0 = thread_cpu_time();
  for (auto _ : state) {
    for (int fd : leaders) benchmark::DoNotOptimize(::read(fd, buf.data(), buf.size()));
  }
  report_per_thread(state, n, thread_cpu_time() - cpu0, std::chrono::steady_clock::now() - start);
  for (int f : fds) ::close(f);
}

// Starts perf stat on the tids; returns its pid or -1.
pid_t spawn_perf_stat(const std::vector<pid_t>& tids) {
  std::string tid_list;
  for (pid_t t : tids) {
    if (!tid_list.empty()) tid_list += ',';
    tid_list += std::to_string(t);
  }
  std::string events;
  for (const auto& e : kSoftwareEvents) events += (events.empty() ? "" : ",") + e;
  std::vector<std::string> args = {"perf", "stat", "-I",     "1000", "--per-thread", "-e",
                                   events, "-t",   tid_list, "-o",   "/dev/null"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "perf", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

double cpu_ns_of(const rusage& ru) {
  return (static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9) +
         (static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3);
}

// Both count the same threads for kSideBySideSeconds at one reading per second; reported
// are each side's CPU time (setup included) and their ratio.
constexpr int kSideBySideSeconds = 10;

void BM_VersusPerfStat(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SleepingThreads threads(n);
  for (auto _ : state) {
    const pid_t child = spawn_perf_stat(threads.tids());
    if (child < 0) {
      state.SkipWithError("cannot start perf stat");
      return;
    }
    const Nanos cpu0 = thread_cpu_time();
    ThreadCounterSet set(software_events());
    if (auto st = set.apply("bench", threads.tids()); !st) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
      state.SkipWithError(st.error().message().c_str());
      return;
    }
    const Nanos cpu_setup = thread_cpu_time();
    auto prev = set.read_all();
    auto next = std::chrono::steady_clock::now();
    for (int s = 0; s < kSideBySideSeconds; ++s) {
      next += 1s;
      std::this_thread::sleep_until(next);
      auto cur = set.read_all();
      Sample sample;
      sampling::derive_perf_rates(prev[0], cur[0], 1s, sample);
      benchmark::DoNotOptimize(sample);
      prev = std::move(cur);
    }
    const Nanos cpu1 = thread_cpu_time();
    ::kill(child, SIGINT);
    int status = 0;
    rusage ru{};
    ::wait4(child, &status, 0, &ru);
    const double ours_ns = static_cast<double>((cpu1 - cpu0).count());
    const double perf_ns = cpu_ns_of(ru);
    state.counters["ours_cpu_ms"] = ours_ns / 1e6;
    state.counters["ours_ticks_cpu_ms"] = static_cast<double>((cpu1 - cpu_setup).count()) / 1e6;
    state.counters["perf_stat_cpu_ms"] = perf_ns / 1e6;
    state.counters["ratio_ours_to_perf"] = perf_ns > 0 ? ours_ns / perf_ns : 0.0;
  }
}

BENCHMARK(BM_BareGroupRead)
    ->ArgName("threads")
    ->Arg(16)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SamplerTick)
    ->ArgsProduct({{16, 256, 1024}, {1, 0}})
    ->ArgNames({"threads", "pidfd"})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_VersusPerfStat)
    ->ArgName("threads")
    ->Arg(256)
    ->Arg(1024)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace augur::bench

BENCHMARK_MAIN();
