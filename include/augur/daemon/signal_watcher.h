#pragma once
// Signals through a signalfd on the main thread. create() blocks SIGHUP, SIGINT and SIGTERM
// in the calling thread; call it before starting any other thread so they inherit the mask
// and the signals are only ever consumed here. SIGPIPE is ignored (a peer that hangs up on
// the control socket must not kill the daemon).
#include <chrono>

#include "augur/util/result.h"

namespace augur::daemon {

enum class SignalEvent { kTimeout, kReload, kStop };

class SignalWatcher {
 public:
  static Result<SignalWatcher> create();

  SignalWatcher(SignalWatcher&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  SignalWatcher& operator=(SignalWatcher&&) = delete;
  ~SignalWatcher();

  // Waits up to `timeout` for a signal; returns at once when one is pending.
  Result<SignalEvent> wait(std::chrono::milliseconds timeout);

 private:
  explicit SignalWatcher(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace augur::daemon
