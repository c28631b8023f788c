#pragma once
// One job at a time on a worker thread of its own, waited for at most until a deadline. A
// call that can hang (a frozen libvirtd holds a call until keepalive gives up, 20 s at the
// defaults) then costs the caller its wait budget, not its tick. A job still running at the
// deadline is left to finish: a later wait or poll collects its result, and no second job
// starts before that.
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace augur {

template <class T>
class BackgroundJob {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  BackgroundJob() : worker_([this] { work(); }) {}
  // Waits for a running job to return (it cannot be interrupted), then joins.
  ~BackgroundJob() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  // Starts `job` unless one is running or its result is not collected yet (then false).
  bool start(std::function<T()> job) {
    {
      std::lock_guard lock(mutex_);
      if (state_ != State::kIdle) return false;
      job_ = std::move(job);
      state_ = State::kRunning;
      started_at_ = std::chrono::steady_clock::now();
    }
    changed_.notify_all();
    return true;
  }

  // The job's result once it has returned, waiting until `deadline` at most; nothing while it
  // still runs or when no job was started. A job that threw rethrows here, on the caller's
  // thread.
  std::optional<T> wait_until(Deadline deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [this] { return state_ != State::kRunning; });
    if (state_ != State::kDone) return std::nullopt;
    state_ = State::kIdle;
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    std::optional<T> out = std::move(result_);
    result_.reset();
    return out;
  }
  std::optional<T> poll() { return wait_until(Deadline::min()); }

  // True from start() until its result is collected.
  [[nodiscard]] bool busy() const {
    std::lock_guard lock(mutex_);
    return state_ != State::kIdle;
  }
  // How long the current job has been running (zero when none runs).
  [[nodiscard]] std::chrono::steady_clock::duration running_for() const {
    std::lock_guard lock(mutex_);
    if (state_ != State::kRunning) return {};
    return std::chrono::steady_clock::now() - started_at_;
  }

 private:
  enum class State { kIdle, kRunning, kDone };

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stopping_ || state_ == State::kRunning; });
      if (state_ != State::kRunning) return;  // stopping, nothing to run
      std::function<T()> job = std::move(job_);
      lock.unlock();
      std::optional<T> result;
      std::exception_ptr failure;
      try {
        result.emplace(job());
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      result_ = std::move(result);
      failure_ = failure;
      state_ = State::kDone;
      changed_.notify_all();
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  State state_ = State::kIdle;
  bool stopping_ = false;
  std::function<T()> job_;
  std::optional<T> result_;
  std::exception_ptr failure_;
  std::chrono::steady_clock::time_point started_at_;
  std::thread worker_;  // last: starts once every member above exists
};

}  // namespace augur
