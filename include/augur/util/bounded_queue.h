#pragma once
// A bounded multi-producer multi-consumer hand-off between pipeline threads. When full, a
// push drops the oldest item and counts it: a slow consumer must never block the
// producer's tick (the sampler's tick is the daemon's heartbeat).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace augur {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Never blocks. Returns false when an older item was dropped to make room, or when the
  // queue is closed (the item is then discarded and not counted as a drop).
  bool push(T item) {
    bool dropped = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      if (items_.size() == capacity_) {
        items_.pop_front();
        ++dropped_;
        dropped = true;
      }
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
    return !dropped;
  }

  // Waits up to `timeout` for an item. Empty when the wait timed out, or at once when the
  // queue is closed and drained.
  template <class Rep, class Period>
  std::optional<T> pop_for(std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  std::optional<T> try_pop() { return pop_for(std::chrono::nanoseconds(0)); }

  // Wakes every waiter; later pushes are refused, items already queued can still be popped.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  [[nodiscard]] std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
  std::uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace augur
