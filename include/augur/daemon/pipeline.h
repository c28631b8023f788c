#pragma once
// The daemon's threads and hand-offs (DESIGN.md "Threads and time"):
//
//   sampler thread --SampleBatch--> analyser thread --PlanBatch--> actuator thread
//
// The sampler owns the tick: it runs on a drift-free steady schedule and never waits for the
// others. Each hand-off is a BoundedQueue that drops its oldest item when full (counted), so a
// slow analyser or a stalled libvirt call in the actuator cannot delay sampling.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/instance.h"
#include "augur/core/sample.h"
#include "augur/util/bounded_queue.h"
#include "augur/util/clock.h"

namespace augur::config {
struct PlanSection;
}

namespace augur::daemon {

struct SampleBatch {
  std::uint64_t tick = 0;
  SteadyTime at{};
  std::vector<Sample> samples;
  // Discovery's instance list at this tick; the same pointer until discovery sees a change.
  std::shared_ptr<const std::vector<Instance>> instances;
  ResourceVector host_utilisation;  // 0..1 per resource, NaN unknown
  ResourceVector host_capacity;     // cores, bytes, bytes/s; NaN unknown
  // Discovery's and the sampler's notices at this tick (a vanished thread, an unreadable
  // file, a source down), counted before the log's rate limit.
  std::uint32_t warning_notices = 0;
  std::uint32_t error_notices = 0;
};

struct PlanBatch {
  std::uint64_t tick = 0;
  std::vector<Plan> plans;
  // The instance list the plans were made against (backends need cgroups, UUIDs, devices);
  // a batch without plans is sent when it changes, so vanished instances are forgotten.
  std::shared_ptr<const std::vector<Instance>> instances;
};

// Runs on the sampler thread once per tick; owns the perf fds. Must not block for long.
// Fills the batch's samples, instances and host utilisation.
class SamplerStage {
 public:
  virtual ~SamplerStage() = default;
  virtual void sample(SteadyTime now, SampleBatch& batch) = 0;
};

// Runs on the analyser thread: fingerprint, drift, prediction and planning.
class AnalyserStage {
 public:
  virtual ~AnalyserStage() = default;
  virtual std::vector<Plan> analyse(const SampleBatch& batch, Mode mode) = 0;
  // A reload's plan section (bounds, steps, margins, windows): called from any thread, in
  // force from the next batch.
  virtual void set_plan(const config::PlanSection& /*plan*/) {}
};

// Runs on the actuator thread; may be slow (libvirt). In observe mode it records only.
class ActuatorStage {
 public:
  virtual ~ActuatorStage() = default;
  virtual void apply(const PlanBatch& batch, Mode mode) = 0;
  // Called when no batch arrived within a poll interval: time for due retries.
  virtual void idle(Mode /*mode*/) {}
  // Called once when the pipeline stops, after the last apply (e.g. restore allocations).
  virtual void stop() {}
  // Whether stop() puts back the allocations found (daemon.restore_on_shutdown); any thread.
  virtual void set_restore_on_stop(bool /*restore*/) {}
  // A reload's plan section: the bounds every change is checked against before it is
  // written. Any thread; in force from the next batch or retry.
  virtual void set_plan(const config::PlanSection& /*plan*/) {}
};

struct PipelineOptions {
  Nanos tick_interval{1'000'000'000};
  std::size_t queue_capacity = 64;
  Mode mode = Mode::kObserve;
};

struct PipelineCounters {
  std::uint64_t ticks = 0;
  std::uint64_t missed_ticks = 0;
  std::uint64_t samples = 0;
  std::uint64_t sample_queue_drops = 0;
  std::uint64_t plan_queue_drops = 0;
  std::uint64_t batches_analysed = 0;
  std::uint64_t plans_applied = 0;
  std::uint64_t stage_errors = 0;
  Nanos last_tick_duration{0};
  Nanos max_tick_duration{0};
  SteadyTime last_tick_at{};
};

class Pipeline {
 public:
  Pipeline(PipelineOptions options, const Clock& clock, SamplerStage& sampler,
           AnalyserStage& analyser, ActuatorStage& actuator);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  void start();
  // Wakes every thread at once and joins them. Idempotent.
  void stop();

  // One sampler iteration: sample, hand the batch to the analyser. The sampler thread calls
  // it on each deadline; tests call it directly.
  void sampler_tick();

  // Takes effect at the next deadline; the schedule restarts from then.
  void set_tick_interval(Nanos interval);
  void set_mode(Mode mode) { mode_.store(mode); }
  [[nodiscard]] Mode mode() const { return mode_.load(); }
  void set_restore_on_stop(bool restore) { actuator_.set_restore_on_stop(restore); }
  // New bounds for the planner and the actuator's last check alike.
  void set_plan(const config::PlanSection& plan) {
    analyser_.set_plan(plan);
    actuator_.set_plan(plan);
  }

  [[nodiscard]] PipelineCounters counters() const;
  // True when the sampler ticked within the last three intervals (the watchdog's test).
  [[nodiscard]] bool healthy(SteadyTime now) const;

 private:
  void sampler_loop();
  void analyser_loop();
  void actuator_loop();

  const Clock& clock_;
  SamplerStage& sampler_;
  AnalyserStage& analyser_;
  ActuatorStage& actuator_;
  std::atomic<Mode> mode_;
  std::atomic<std::int64_t> interval_ns_;
  std::atomic<bool> interval_changed_{false};

  BoundedQueue<SampleBatch> samples_;
  BoundedQueue<PlanBatch> plans_;
  std::shared_ptr<const std::vector<Instance>> last_instances_;  // analyser thread only

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;

  mutable std::mutex counters_mutex_;
  PipelineCounters counters_;
};

}  // namespace augur::daemon
