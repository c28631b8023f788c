#pragma once
// The time seam: production code asks a Clock, tests advance a FakeClock, so no test
// sleeps to make time pass. Monotonic time only; wall time appears only in records.
#include <atomic>
#include <chrono>

namespace augur {

using SteadyTime = std::chrono::steady_clock::time_point;
using Nanos = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual SteadyTime now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  [[nodiscard]] SteadyTime now() const override { return std::chrono::steady_clock::now(); }
};

// Starts at an arbitrary fixed point and moves only when told to.
class FakeClock final : public Clock {
 public:
  [[nodiscard]] SteadyTime now() const override { return SteadyTime(Nanos(now_ns_.load())); }
  void advance(Nanos by) { now_ns_ += by.count(); }

 private:
  std::atomic<std::int64_t> now_ns_{1'000'000'000'000};
};

}  // namespace augur
