#include "veth_pair.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace augur::testing {

namespace {

// One netlink request assembled in place; nested attributes are closed by end_nest().
class Request {
 public:
  Request(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    h.nlmsg_seq = 1;
    put(&h, sizeof h);
  }
  void link(int ifindex, unsigned flags = 0, unsigned change = 0) {
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    i.ifi_index = ifindex;
    i.ifi_flags = flags;
    i.ifi_change = change;
    put(&i, sizeof i);
  }
  void attr(std::uint16_t type, const void* data, std::size_t len) {
    nlattr a{};
    a.nla_type = type;
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    put(&a, sizeof a);
    put(data, len);
    align();
  }
  void str(std::uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  std::size_t begin_nest(std::uint16_t type) {
    const std::size_t at = bytes_.size();
    nlattr a{};
    a.nla_type = static_cast<std::uint16_t>(type | NLA_F_NESTED);
    put(&a, sizeof a);
    return at;
  }
  void end_nest(std::size_t at) {
    const auto len = static_cast<std::uint16_t>(bytes_.size() - at);
    std::memcpy(bytes_.data() + at, &len, sizeof len);
  }

  // Sends and waits for the kernel's acknowledgement.
  Status send(const std::string& what) {
    const auto len = static_cast<std::uint32_t>(bytes_.size());
    std::memcpy(bytes_.data(), &len, sizeof len);
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return errno_error("socket(AF_NETLINK)", what);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    Status result;
    if (::sendto(fd, bytes_.data(), bytes_.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) != static_cast<ssize_t>(bytes_.size())) {
      result = errno_error("sendto", what);
    } else {
      std::vector<char> buf(8192);
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      nlmsghdr h{};
      int err = 0;
      if (n < static_cast<ssize_t>(NLMSG_HDRLEN + sizeof(int))) {
        result = Error{"short netlink answer", what, EBADMSG};
      } else {
        std::memcpy(&h, buf.data(), sizeof h);
        std::memcpy(&err, buf.data() + NLMSG_HDRLEN, sizeof err);
        if (h.nlmsg_type != NLMSG_ERROR)
          result = Error{"no netlink ack", what, EBADMSG};
        else if (err != 0)
          result = Error{"netlink request refused", what, -err};
      }
    }
    ::close(fd);
    return result;
  }

 private:
  void put(const void* p, std::size_t n) {
    // resize + memcpy: GCC 12's -Wstringop-overflow misreads insert() of raw bytes.
    const std::size_t at = bytes_.size();
    bytes_.resize(at + n);
    std::memcpy(bytes_.data() + at, p, n);
  }
  void align() { bytes_.resize(NLMSG_ALIGN(bytes_.size())); }
  std::vector<char> bytes_;
};

Result<int> index_of(const std::string& name) {
  const unsigned i = ::if_nametoindex(name.c_str());
  if (i == 0) return errno_error("if_nametoindex", name);
  return static_cast<int>(i);
}

}  // namespace

Status create_veth(const std::string& host_name, const std::string& peer_name, pid_t peer_pid) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.link(0);
  r.str(IFLA_IFNAME, host_name);
  const auto info = r.begin_nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "veth");
  const auto data = r.begin_nest(IFLA_INFO_DATA);
  const auto peer = r.begin_nest(VETH_INFO_PEER);
  r.link(0);  // the peer's ifinfomsg, then its own attributes
  r.str(IFLA_IFNAME, peer_name);
  const std::uint32_t pid = static_cast<std::uint32_t>(peer_pid);
  r.attr(IFLA_NET_NS_PID, &pid, sizeof pid);
  r.end_nest(peer);
  r.end_nest(data);
  r.end_nest(info);
  return r.send("create veth " + host_name);
}

Status set_link_up(const std::string& name) {
  auto index = index_of(name);
  if (!index) return std::move(index).error();
  Request r(RTM_NEWLINK, 0);
  r.link(*index, IFF_UP, IFF_UP);
  return r.send("set " + name + " up");
}

Status delete_link(const std::string& name) {
  auto index = index_of(name);
  if (!index) return std::move(index).error();
  Request r(RTM_DELLINK, 0);
  r.link(*index);
  return r.send("delete " + name);
}

Status send_frames(const std::string& name, int frames, std::size_t frame_bytes) {
  auto index = index_of(name);
  if (!index) return std::move(index).error();
  const int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (s < 0) return errno_error("socket(AF_PACKET)", name);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = *index;
  to.sll_halen = ETH_ALEN;
  std::vector<unsigned char> frame(frame_bytes, 0);
  std::memset(frame.data(), 0xff, ETH_ALEN);
  const unsigned char src[ETH_ALEN] = {0x02, 0, 0, 0, 0, 2};
  std::memcpy(frame.data() + ETH_ALEN, src, ETH_ALEN);
  const std::uint16_t type = htons(0x88B5);
  std::memcpy(frame.data() + 2 * ETH_ALEN, &type, sizeof type);
  Status result;
  for (int i = 0; i < frames && result; ++i) {
    if (::sendto(s, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) !=
        static_cast<ssize_t>(frame.size())) {
      result = errno_error("sendto", name);
    }
  }
  ::close(s);
  return result;
}

}  // namespace augur::testing
