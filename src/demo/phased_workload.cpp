#include "augur/demo/phased_workload.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <thread>

namespace augur::demo {

using namespace std::chrono_literals;

double seconds_since(WorkloadClock::time_point start) {
  return std::chrono::duration<double>(WorkloadClock::now() - start).count();
}

double PhaseSchedule::into_phase(double t) const {
  if (t < warmup_s) return -1;
  return std::fmod(t - warmup_s, period_s);
}

bool PhaseSchedule::loading(double t) const {
  const double k = into_phase(t);
  return k >= 0 && k < lag_s + ramp_s + hold_s;
}

double PhaseSchedule::demand_cores(double t) const {
  const double p = into_phase(t);
  const double k = p - lag_s;
  if (p < 0 || k < 0 || k >= ramp_s + hold_s) return low_cores;
  if (k < ramp_s) return low_cores + (high_cores - low_cores) * k / ramp_s;
  return high_cores;
}

double PhaseSchedule::crossing_s(double cores) const {
  if (cores >= high_cores) return -1;
  if (cores <= low_cores) return lag_s;
  return lag_s + ramp_s * (cores - low_cores) / (high_cores - low_cores);
}

void run_workload(const Workload& w, WorkloadClock::time_point start) {
  std::thread([&w, start] {
    constexpr std::size_t kBytes = 1 << 20;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    for (;;) {
      if (w.loading(seconds_since(start))) {
        void* p =
            ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
          auto* bytes = static_cast<volatile char*>(p);
          for (std::size_t i = 0; i < kBytes; i += page) bytes[i] = 1;
          ::munmap(p, kBytes);
        }
      }
      std::this_thread::sleep_for(10ms);
    }
  }).detach();
  auto slice_end = WorkloadClock::now();
  for (;;) {
    const double d = std::min(1.0, w.demand_cores(seconds_since(start)));
    const auto slice_start = slice_end;
    slice_end += 10ms;
    const auto busy_until = slice_start + std::chrono::microseconds(std::lround(d * 10000));
    while (WorkloadClock::now() < busy_until) {
    }
    std::this_thread::sleep_until(slice_end);
  }
}

}  // namespace augur::demo
