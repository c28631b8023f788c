#include "sleeping_threads.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace augur::bench {

SleepingThreads::SleepingThreads(std::size_t n) {
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    threads_.emplace_back([this] {
      std::unique_lock lock(mu_);
      tids_.push_back(static_cast<pid_t>(::syscall(SYS_gettid)));
      registered_.notify_one();
      release_.wait(lock, [this] { return released_; });
    });
  }
  std::unique_lock lock(mu_);
  registered_.wait(lock, [&] { return tids_.size() == n; });
}

SleepingThreads::~SleepingThreads() {
  {
    std::lock_guard lock(mu_);
    released_ = true;
  }
  release_.notify_all();
  for (auto& t : threads_) t.join();
}

}  // namespace augur::bench
