#pragma once
// libvirt's default event loop on a thread of its own. Remote connections need it for
// keepalive (virConnectSetKeepAlive fails without it, so a dead daemon is only noticed on the
// next call). Start it once per process, before opening connections; the daemon owns it.
#include <atomic>
#include <memory>
#include <thread>

#include "augur/util/result.h"

namespace augur::discovery {

class LibvirtEventLoop {
 public:
  // Registers libvirt's default event implementation (once per process) and runs it.
  static Result<std::unique_ptr<LibvirtEventLoop>> start();
  ~LibvirtEventLoop();  // stops and joins the thread
  LibvirtEventLoop(const LibvirtEventLoop&) = delete;
  LibvirtEventLoop& operator=(const LibvirtEventLoop&) = delete;

 private:
  LibvirtEventLoop() = default;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace augur::discovery
