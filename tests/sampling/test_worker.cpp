// augur_test_worker: a process the sampling tests start, put in cgroups and network
// namespaces, and drive over stdin/stdout (worker_protocol.h). Its threads sleep in short
// naps, so they are real, schedulable threads that context-switch.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "worker_protocol.h"

namespace {

namespace w = augur::testing::worker;
using namespace std::chrono_literals;

struct Sleeper {
  std::atomic<bool> stop{false};
  std::atomic<bool> started{false};
  std::thread thread;
};

bool fail(const char* what) {
  std::fprintf(stderr, "augur_test_worker: %s: %s\n", what, std::strerror(errno));
  return false;
}

bool write_text(const std::string& path, const char* text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(path.c_str());
  const auto n = static_cast<ssize_t>(std::strlen(text));
  const bool ok = ::write(fd, text, static_cast<std::size_t>(n)) == n;
  ::close(fd);
  return ok || fail(path.c_str());
}

bool link_up() {
  // No router solicitations or MLD reports: the test counts bytes exactly.
  if (!write_text(std::string("/proc/sys/net/ipv6/conf/") + w::kPeerName + "/disable_ipv6", "1")) {
    return false;
  }
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail("socket");
  ifreq req{};
  std::strncpy(req.ifr_name, w::kPeerName, IFNAMSIZ - 1);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &req) == 0 || fail("SIOCGIFFLAGS");
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  ok = ok && (::ioctl(s, SIOCSIFFLAGS, &req) == 0 || fail("SIOCSIFFLAGS"));
  ::close(s);
  return ok;
}

bool send_frames() {
  const unsigned index = ::if_nametoindex(w::kPeerName);
  if (index == 0) return fail("if_nametoindex");
  const int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (s < 0) return fail("socket(AF_PACKET)");
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(index);
  to.sll_halen = ETH_ALEN;
  std::array<unsigned char, w::kFrameBytes> frame{};
  std::memset(frame.data(), 0xff, ETH_ALEN);                  // broadcast
  const unsigned char src[ETH_ALEN] = {0x02, 0, 0, 0, 0, 1};  // locally administered
  std::memcpy(frame.data() + ETH_ALEN, src, ETH_ALEN);
  const std::uint16_t type = htons(0x88B5);  // IEEE 802 local experimental
  std::memcpy(frame.data() + 2 * ETH_ALEN, &type, sizeof type);
  bool ok = true;
  for (int i = 0; i < w::kFrames && ok; ++i) {
    ok = ::sendto(s, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                  sizeof to) == static_cast<ssize_t>(frame.size()) ||
         fail("sendto");
  }
  ::close(s);
  return ok;
}

}  // namespace

int main() {
  std::vector<std::unique_ptr<Sleeper>> sleepers;
  char c = 0;
  while (::read(STDIN_FILENO, &c, 1) == 1 && c != w::kQuit) {
    bool ok = true;
    switch (c) {
      case w::kAddThread: {
        auto s = std::make_unique<Sleeper>();
        Sleeper* raw = s.get();
        s->thread = std::thread([raw] {
          raw->started = true;
          while (!raw->stop) std::this_thread::sleep_for(2ms);
        });
        while (!s->started) std::this_thread::sleep_for(100us);
        sleepers.push_back(std::move(s));
        break;
      }
      case w::kRemoveThread:
        if (sleepers.empty()) {
          ok = false;
          break;
        }
        sleepers.back()->stop = true;
        sleepers.back()->thread.join();
        sleepers.pop_back();
        break;
      case w::kNewNetns: ok = ::unshare(CLONE_NEWNET) == 0 || fail("unshare"); break;
      case w::kLinkUp: ok = link_up(); break;
      case w::kSendFrames: ok = send_frames(); break;
      default: ok = false;
    }
    const char reply = ok ? w::kOk : w::kFailed;
    if (::write(STDOUT_FILENO, &reply, 1) != 1) break;
  }
  for (auto& s : sleepers) {
    s->stop = true;
    s->thread.join();
  }
  return 0;
}
