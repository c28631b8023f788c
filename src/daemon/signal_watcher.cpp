#include "augur/daemon/signal_watcher.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace augur::daemon {

Result<SignalWatcher> SignalWatcher::create() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return Error{"cannot block signals", "pthread_sigmask", err};
  }
  ::signal(SIGPIPE, SIG_IGN);
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return errno_error("cannot create signalfd", "signalfd");
  return SignalWatcher(fd);
}

SignalWatcher::~SignalWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

Result<SignalEvent> SignalWatcher::wait(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0) {
    if (errno == EINTR) return SignalEvent::kTimeout;
    return errno_error("cannot wait for signals", "poll(signalfd)");
  }
  if (ready == 0) return SignalEvent::kTimeout;
  signalfd_siginfo info{};
  const ssize_t n = ::read(fd_, &info, sizeof(info));
  if (n != static_cast<ssize_t>(sizeof(info))) {
    if (n < 0 && errno == EAGAIN) return SignalEvent::kTimeout;
    return errno_error("cannot read signalfd", "read(signalfd)");
  }
  return info.ssi_signo == SIGHUP ? SignalEvent::kReload : SignalEvent::kStop;
}

}  // namespace augur::daemon
