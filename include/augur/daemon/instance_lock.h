#pragma once
// One augurd per host: an exclusive flock on <dir>/augurd.lock, held for the process's life.
// flock (not a pid file check) because the kernel drops it when the holder dies, even on
// SIGKILL, so a crash never leaves a stale lock behind.
#include <string>

#include "augur/util/result.h"

namespace augur::daemon {

class InstanceLock {
 public:
  // Fails with EWOULDBLOCK and the holder's pid in the message when another process holds it.
  static Result<InstanceLock> acquire(const std::string& directory);

  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace augur::daemon
