#include "augur/daemon/service_notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace augur::daemon {

ServiceNotifier::ServiceNotifier() {
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is us.
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    watchdog_timeout_ = std::chrono::microseconds(usec);
  }
}

void ServiceNotifier::send(std::string_view state) {
  const std::string s(state);
  (void)sd_notify(/*unset_environment=*/0, s.c_str());
}

void ServiceNotifier::ready() {
  send("READY=1");
}

void ServiceNotifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotifier::stopping() {
  send("STOPPING=1");
}

void ServiceNotifier::status(std::string_view text) {
  send("STATUS=" + std::string(text));
}

void ServiceNotifier::watchdog() {
  send("WATCHDOG=1");
}

}  // namespace augur::daemon
