#include "augur/discovery/libvirt_connection.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace augur::discovery {
namespace {

// libvirt prints every error to stderr unless an error function is set; libraries do not
// print. Process-wide in libvirt: set once, errors are still kept per thread for callers.
void silence_libvirt_errors() {
  static std::once_flag once;
  std::call_once(once, [] { virSetErrorFunc(nullptr, [](void*, virErrorPtr) {}); });
}

}  // namespace

LibvirtConnection::LibvirtConnection(LibvirtConnectionOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  silence_libvirt_errors();
}

LibvirtConnection::~LibvirtConnection() {
  close();
}

std::string LibvirtConnection::last_error_message() {
  const char* msg = virGetLastErrorMessage();
  return msg != nullptr ? msg : "unknown libvirt error";
}

void LibvirtConnection::close() {
  if (conn_ != nullptr) {
    virConnectClose(conn_);
    conn_ = nullptr;
  }
}

Result<_virConnect*> LibvirtConnection::get() {
  if (conn_ != nullptr) {
    if (virConnectIsAlive(conn_) == 1) return conn_;
    close();
  }
  if (backoff_.count() > 0 && clock_.now() < next_attempt_) {
    return Error{
        "backing off after a failed connection (" + std::to_string(backoff_.count()) + " ms)",
        options_.uri};
  }
  conn_ = options_.read_only ? virConnectOpenReadOnly(options_.uri.c_str())
                             : virConnectOpen(options_.uri.c_str());
  if (conn_ == nullptr) {
    backoff_ =
        backoff_.count() == 0 ? options_.backoff_min : std::min(backoff_ * 2, options_.backoff_max);
    next_attempt_ = clock_.now() + backoff_;
    return Error{"virConnectOpen failed: " + last_error_message(), options_.uri};
  }
  backoff_ = std::chrono::milliseconds{0};
  ++opens_;
  // 0: on; 1: the remote side does not support keepalive; -1: no event loop registered or a
  // local driver (test:///, a daemon-less driver): liveness is then checked on every get().
  const int rc =
      virConnectSetKeepAlive(conn_, static_cast<int>(options_.keepalive_interval.count()),
                             static_cast<unsigned>(options_.keepalive_count));
  keepalive_enabled_ = rc == 0;
  keepalive_status_ = rc == 0   ? "on"
                      : rc == 1 ? "not supported by the remote side"
                                : "off: " + last_error_message();
  return conn_;
}

void LibvirtConnection::check_after_failure() {
  if (conn_ != nullptr && virConnectIsAlive(conn_) != 1) {
    close();  // the next get() reopens at once; it backs off only if that open fails
  }
}

}  // namespace augur::discovery
