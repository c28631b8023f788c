#include "augur/daemon/pipeline.h"

#include <exception>

#include "augur/daemon/tick_schedule.h"
#include "augur/log/log.h"

namespace augur::daemon {

using namespace std::chrono_literals;

namespace {
// How long a consumer waits on an empty queue before re-checking for stop. Stop also closes
// the queues, which wakes consumers at once; this is only a safety net.
constexpr auto kConsumerPoll = 200ms;
}  // namespace

Pipeline::Pipeline(PipelineOptions options, const Clock& clock, SamplerStage& sampler,
                   AnalyserStage& analyser, ActuatorStage& actuator)
    : clock_(clock),
      sampler_(sampler),
      analyser_(analyser),
      actuator_(actuator),
      mode_(options.mode),
      interval_ns_(options.tick_interval.count()),
      samples_(options.queue_capacity),
      plans_(options.queue_capacity) {}

Pipeline::~Pipeline() {
  stop();
}

void Pipeline::start() {
  {
    // The watchdog measures from here until the first tick.
    std::lock_guard lock(counters_mutex_);
    counters_.last_tick_at = clock_.now();
  }
  threads_.emplace_back([this] { sampler_loop(); });
  threads_.emplace_back([this] { analyser_loop(); });
  threads_.emplace_back([this] { actuator_loop(); });
}

void Pipeline::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  samples_.close();
  plans_.close();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Pipeline::set_tick_interval(Nanos interval) {
  interval_ns_.store(interval.count());
  interval_changed_ = true;
  wake_.notify_all();
}

void Pipeline::sampler_tick() {
  const SteadyTime started = clock_.now();
  SampleBatch batch;
  batch.at = started;
  try {
    sampler_.sample(started, batch);
  } catch (const std::exception& e) {
    // Stages return errors as values; an exception here is a bug, but it must not stop the
    // daemon's heartbeat.
    log::error("sampler stage threw: {}", e.what());
    std::lock_guard lock(counters_mutex_);
    ++counters_.stage_errors;
  }
  const SteadyTime finished = clock_.now();
  {
    std::lock_guard lock(counters_mutex_);
    batch.tick = ++counters_.ticks;
    counters_.samples += batch.samples.size();
    counters_.last_tick_at = finished;
    counters_.last_tick_duration = finished - started;
    if (counters_.last_tick_duration > counters_.max_tick_duration) {
      counters_.max_tick_duration = counters_.last_tick_duration;
    }
  }
  if (!samples_.push(std::move(batch))) {
    std::lock_guard lock(counters_mutex_);
    counters_.sample_queue_drops = samples_.dropped();
  }
}

void Pipeline::sampler_loop() {
  TickSchedule schedule(clock_.now(), Nanos(interval_ns_.load()));
  SteadyTime deadline = schedule.first();
  while (!stopping_) {
    {
      // Wait for what is left until the deadline as the Clock sees it, so an injected clock
      // decides the grid and real time only paces the wait.
      std::unique_lock lock(wake_mutex_);
      const Nanos left = deadline - clock_.now();
      wake_.wait_for(lock, left, [&] { return stopping_.load() || interval_changed_.load(); });
    }
    if (stopping_) break;
    if (interval_changed_.exchange(false)) {
      schedule = TickSchedule(clock_.now(), Nanos(interval_ns_.load()));
      deadline = schedule.first();
      continue;
    }
    sampler_tick();
    const NextTick next = schedule.after(deadline, clock_.now());
    if (next.missed > 0) {
      std::lock_guard lock(counters_mutex_);
      counters_.missed_ticks += next.missed;
    }
    deadline = next.deadline;
  }
}

void Pipeline::analyser_loop() {
  for (;;) {
    auto batch = samples_.pop_for(kConsumerPoll);
    if (!batch) {
      if (stopping_) return;
      continue;
    }
    PlanBatch out;
    out.tick = batch->tick;
    try {
      out.plans = analyser_.analyse(*batch, mode_.load());
    } catch (const std::exception& e) {
      log::error("analyser stage threw: {}", e.what());
      std::lock_guard lock(counters_mutex_);
      ++counters_.stage_errors;
    }
    {
      std::lock_guard lock(counters_mutex_);
      ++counters_.batches_analysed;
    }
    // The actuator needs the instance list only when it changed or with plans.
    if (batch->instances != last_instances_) {
      last_instances_ = batch->instances;
      out.instances = batch->instances;
    } else if (!out.plans.empty()) {
      out.instances = batch->instances;
    }
    if (out.plans.empty() && !out.instances) continue;
    if (!plans_.push(std::move(out))) {
      std::lock_guard lock(counters_mutex_);
      counters_.plan_queue_drops = plans_.dropped();
    }
  }
}

void Pipeline::actuator_loop() {
  for (;;) {
    auto batch = plans_.pop_for(kConsumerPoll);
    // Pending batches are dropped on shutdown, never half-applied.
    if (stopping_) {
      try {
        actuator_.stop();
      } catch (const std::exception& e) {
        log::error("actuator stage threw at stop: {}", e.what());
      }
      return;
    }
    try {
      if (batch) {
        actuator_.apply(*batch, mode_.load());
      } else {
        actuator_.idle(mode_.load());
      }
    } catch (const std::exception& e) {
      log::error("actuator stage threw: {}", e.what());
      std::lock_guard lock(counters_mutex_);
      ++counters_.stage_errors;
    }
    if (batch) {
      std::lock_guard lock(counters_mutex_);
      counters_.plans_applied += batch->plans.size();
    }
  }
}

PipelineCounters Pipeline::counters() const {
  std::lock_guard lock(counters_mutex_);
  PipelineCounters c = counters_;
  c.sample_queue_drops = samples_.dropped();
  c.plan_queue_drops = plans_.dropped();
  return c;
}

bool Pipeline::healthy(SteadyTime now) const {
  const Nanos interval(interval_ns_.load());
  std::lock_guard lock(counters_mutex_);
  return now - counters_.last_tick_at <= 3 * interval + std::chrono::seconds(1);
}

}  // namespace augur::daemon
