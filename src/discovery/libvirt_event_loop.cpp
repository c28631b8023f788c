#include "augur/discovery/libvirt_event_loop.h"

#include <libvirt/libvirt.h>

#include <mutex>

#include "augur/discovery/libvirt_connection.h"

namespace augur::discovery {

Result<std::unique_ptr<LibvirtEventLoop>> LibvirtEventLoop::start() {
  static std::once_flag once;
  static int registered = -1;
  std::call_once(once, [] { registered = virEventRegisterDefaultImpl(); });
  if (registered < 0) {
    return Error{"virEventRegisterDefaultImpl failed: " + LibvirtConnection::last_error_message(),
                 "libvirt event loop"};
  }
  std::unique_ptr<LibvirtEventLoop> loop(new LibvirtEventLoop());
  LibvirtEventLoop* self = loop.get();
  loop->thread_ = std::thread([self] {
    while (!self->stop_.load()) virEventRunDefaultImpl();
  });
  return loop;
}

LibvirtEventLoop::~LibvirtEventLoop() {
  stop_ = true;
  // An immediate timer wakes virEventRunDefaultImpl so the thread sees stop_.
  const int timer = virEventAddTimeout(
      0, [](int, void*) {}, nullptr, nullptr);
  if (thread_.joinable()) thread_.join();
  if (timer >= 0) virEventRemoveTimeout(timer);
}

}  // namespace augur::discovery
