#pragma once
// One libvirt connection kept open across discovery runs (or sampling ticks) and reopened
// with exponential backoff when it drops. libvirt headers stay out: the handle is passed as
// libvirt's own opaque struct, forward-declared.
#include <chrono>
#include <memory>
#include <string>

#include "augur/util/clock.h"
#include "augur/util/result.h"

struct _virConnect;  // libvirt's virConnectPtr is _virConnect*

namespace augur::discovery {

struct LibvirtConnectionOptions {
  std::string uri = "qemu:///system";
  std::chrono::seconds keepalive_interval{5};
  int keepalive_count = 3;
  bool read_only = true;  // discovery and stats only read; actuation opens its own
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
};

class LibvirtConnection {
 public:
  LibvirtConnection(LibvirtConnectionOptions options, const Clock& clock);
  ~LibvirtConnection();
  LibvirtConnection(const LibvirtConnection&) = delete;
  LibvirtConnection& operator=(const LibvirtConnection&) = delete;

  // An open, alive connection: opens it, or reopens it when libvirt reports it dead. After a
  // failed open, further attempts wait out the backoff (doubling from backoff_min to
  // backoff_max) and return an Error meanwhile, without touching the daemon.
  Result<_virConnect*> get();
  // Call when an API call on the connection failed: closes it if it is no longer alive so
  // the next get() reopens it.
  void check_after_failure();

  // The last libvirt error message (virGetLastErrorMessage) for Errors built by callers.
  static std::string last_error_message();

  [[nodiscard]] bool keepalive_enabled() const { return keepalive_enabled_; }
  // Why keepalive is off: remote keepalive needs a libvirt event loop registered by the
  // process (virEventRegisterDefaultImpl) and a driver that supports it; local drivers such
  // as test:/// do not.
  [[nodiscard]] const std::string& keepalive_status() const { return keepalive_status_; }
  [[nodiscard]] int opens() const { return opens_; }

 private:
  void close();

  LibvirtConnectionOptions options_;
  const Clock& clock_;
  _virConnect* conn_ = nullptr;
  SteadyTime next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  bool keepalive_enabled_ = false;
  std::string keepalive_status_;
  int opens_ = 0;
};

}  // namespace augur::discovery
