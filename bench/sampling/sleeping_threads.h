#pragma once
// Real threads that sleep until released, for counting.
#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace augur::bench {

class SleepingThreads {
 public:
  explicit SleepingThreads(std::size_t n);
  ~SleepingThreads();
  SleepingThreads(const SleepingThreads&) = delete;
  SleepingThreads& operator=(const SleepingThreads&) = delete;

  [[nodiscard]] const std::vector<pid_t>& tids() const { return tids_; }

 private:
  std::mutex mu_;
  std::condition_variable registered_;  // constructor waits: all tids known
  std::condition_variable release_;     // threads wait: destructor releases them
  std::vector<pid_t> tids_;
  bool released_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace augur::bench
