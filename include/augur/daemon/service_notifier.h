#pragma once
// The systemd notify protocol (sd_notify): READY, STATUS, WATCHDOG, RELOADING, STOPPING.
// Without NOTIFY_SOCKET every call is a no-op, so augurd runs the same by hand.
#include <chrono>
#include <optional>
#include <string_view>

namespace augur::daemon {

class ServiceNotifier {
 public:
  ServiceNotifier();

  void ready();
  void reloading();  // with MONOTONIC_USEC, as Type=notify-reload expects
  void stopping();
  void status(std::string_view text);
  void watchdog();

  // WATCHDOG_USEC when systemd (or a test) set it for this process; ping at half of it.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_timeout() const {
    return watchdog_timeout_;
  }

 private:
  void send(std::string_view state);
  std::optional<std::chrono::microseconds> watchdog_timeout_;
};

}  // namespace augur::daemon
