#pragma once
// A real libvirtd of the test's own: its sockets in a private directory (so it touches no
// system libvirtd's socket), serving libvirt's test driver to remote clients over
// test+unix:///default?socket=... . Started, SIGKILLed, stopped (SIGSTOP) and restarted by
// its own pid; stopped on destruction.
#include <libvirt/libvirt.h>

#include <memory>
#include <string>

#include "../daemon/test_process.h"

namespace augur::testing::faults {

// Why a libvirtd cannot be run here, or "".
std::string libvirtd_skip_reason();

class LibvirtdProcess {
 public:
  LibvirtdProcess();
  ~LibvirtdProcess();
  LibvirtdProcess(const LibvirtdProcess&) = delete;
  LibvirtdProcess& operator=(const LibvirtdProcess&) = delete;

  // Starts libvirtd and waits until it answers (10 s); "" or what failed.
  std::string start();
  void kill9();
  void freeze();
  void thaw();
  [[nodiscard]] pid_t pid() const { return child_ ? child_->pid() : -1; }

  // The test driver through this libvirtd (read-write and read-only share the socket).
  [[nodiscard]] std::string uri() const;
  [[nodiscard]] std::string admin_uri() const;
  // Closes, through libvirtd's admin interface (virt-admin), every client connection of process
  // `pid`; returns how many, or -1 with `error` set.
  int close_clients_of(pid_t pid, std::string* error) const;

 private:
  TempDir dir_;
  std::unique_ptr<Child> child_;
  int runs_ = 0;
  bool frozen_ = false;
};

// A running transient domain of the test driver, named `name`, on `conn`.
bool create_test_domain(virConnectPtr conn, const std::string& name);

std::string last_libvirt_error();

}  // namespace augur::testing::faults
