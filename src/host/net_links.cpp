#include "augur/host/net_links.h"

#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>

#include "augur/host/proc_pid.h"

namespace augur::host {

namespace {

constexpr const char* kWhere = "rtnetlink";
// Big enough for one dump part with per-link statistics (the kernel sizes parts to ~32 KiB).
constexpr std::size_t kRecvBytes = 64 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Attributes of one message: type -> payload, nested ones parsed on demand.
struct Attr {
  unsigned short type = 0;
  std::span<const std::byte> payload;
};

Result<std::vector<Attr>> parse_attrs(std::span<const std::byte> b) {
  std::vector<Attr> out;
  while (b.size() >= sizeof(nlattr)) {
    const auto a = load<nlattr>(b.data());
    if (a.nla_len < sizeof(nlattr) || a.nla_len > b.size()) {
      return Error{"truncated netlink attribute", kWhere, EBADMSG};
    }
    out.push_back(Attr{static_cast<unsigned short>(a.nla_type & NLA_TYPE_MASK),
                       b.subspan(NLA_HDRLEN, a.nla_len - NLA_HDRLEN)});
    b = b.subspan(std::min<std::size_t>(NLA_ALIGN(a.nla_len), b.size()));
  }
  return out;
}

std::string attr_string(std::span<const std::byte> p) {
  std::string s(reinterpret_cast<const char*>(p.data()), p.size());
  if (const auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
  return s;
}

template <class T>
std::optional<T> attr_scalar(std::span<const std::byte> p) {
  if (p.size() < sizeof(T)) return std::nullopt;
  return load<T>(p.data());
}

Result<NetLink> parse_link(std::span<const std::byte> payload) {
  if (payload.size() < NLMSG_ALIGN(sizeof(ifinfomsg))) {
    return Error{"truncated RTM_NEWLINK message", kWhere, EBADMSG};
  }
  const auto info = load<ifinfomsg>(payload.data());
  NetLink link;
  link.ifindex = info.ifi_index;
  auto attrs = parse_attrs(payload.subspan(NLMSG_ALIGN(sizeof(ifinfomsg))));
  if (!attrs) return std::move(attrs).error();
  for (const Attr& a : *attrs) {
    switch (a.type) {
      case IFLA_IFNAME: link.name = attr_string(a.payload); break;
      case IFLA_LINK: link.link_ifindex = attr_scalar<int>(a.payload).value_or(0); break;
      case IFLA_LINK_NETNSID: link.link_netnsid = attr_scalar<int>(a.payload); break;
      case IFLA_LINKINFO: {
        auto nested = parse_attrs(a.payload);
        if (!nested) return std::move(nested).error();
        for (const Attr& n : *nested) {
          if (n.type == IFLA_INFO_KIND) link.kind = attr_string(n.payload);
        }
        break;
      }
      default: break;
    }
  }
  return link;
}

// Calls `each` for every message in `buffer`; stops at NLMSG_DONE (returns true).
Result<bool> for_each_message(
    std::span<const std::byte> buffer,
    const std::function<Status(const nlmsghdr&, std::span<const std::byte>)>& each) {
  while (buffer.size() >= sizeof(nlmsghdr)) {
    const auto h = load<nlmsghdr>(buffer.data());
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > buffer.size()) {
      return Error{"truncated netlink message", kWhere, EBADMSG};
    }
    const auto payload = buffer.subspan(NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
    if (h.nlmsg_type == NLMSG_DONE) return true;
    if (h.nlmsg_type == NLMSG_ERROR) {
      if (payload.size() < sizeof(int)) return Error{"truncated netlink error", kWhere, EBADMSG};
      // The kernel sends a negative errno; anything else (a positive value, INT_MIN) is not
      // one and must not be negated into an errno that means something else.
      const int code = load<int>(payload.data());
      if (code != 0) {
        const bool is_errno = code < 0 && code > -4096;
        return Error{"netlink request refused", kWhere, is_errno ? -code : EPROTO};
      }
    } else if ((h.nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
      return Error{"link dump interrupted by a change", kWhere, EINTR};
    } else if (auto s = each(h, payload); !s) {
      return std::move(s).error();
    }
    buffer = buffer.subspan(std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), buffer.size()));
  }
  return false;
}

Result<int> open_route_socket() {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno_error("socket(AF_NETLINK)", kWhere);
  return fd;
}

Status send_request(int fd, const void* request, std::size_t len) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, request, len, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) !=
      static_cast<ssize_t>(len)) {
    return errno_error("sendto", kWhere);
  }
  return {};
}

Result<std::span<const std::byte>> receive(int fd, std::vector<std::byte>& buf) {
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("recv", kWhere);
    return std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n));
  }
}

Result<std::vector<NetLink>> dump_links_once() {
  auto fd = open_route_socket();
  if (!fd) return std::move(fd).error();
  Fd sock(*fd);
  struct {
    nlmsghdr h;
    ifinfomsg i;
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  req.h.nlmsg_type = RTM_GETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 1;
  req.i.ifi_family = AF_UNSPEC;
  if (auto s = send_request(sock.get(), &req, req.h.nlmsg_len); !s) return std::move(s).error();
  std::vector<std::byte> buf(kRecvBytes);
  std::vector<NetLink> links;
  for (;;) {
    auto got = receive(sock.get(), buf);
    if (!got) return std::move(got).error();
    if (got->empty()) return Error{"netlink socket closed during a link dump", kWhere, EPIPE};
    auto part = parse_link_messages(*got);
    if (!part) return std::move(part).error();
    links.insert(links.end(), part->links.begin(), part->links.end());
    if (part->done) break;
  }
  std::sort(links.begin(), links.end(),
            [](const NetLink& a, const NetLink& b) { return a.ifindex < b.ifindex; });
  return links;
}

}  // namespace

Result<LinkDumpPart> parse_link_messages(std::span<const std::byte> buffer) {
  LinkDumpPart part;
  auto done =
      for_each_message(buffer, [&](const nlmsghdr& h, std::span<const std::byte> p) -> Status {
        if (h.nlmsg_type != RTM_NEWLINK) return {};
        auto link = parse_link(p);
        if (!link) return std::move(link).error();
        part.links.push_back(std::move(*link));
        return {};
      });
  if (!done) return std::move(done).error();
  part.done = *done;
  return part;
}

std::vector<std::string> veth_peers_in(const std::vector<NetLink>& links, int nsid) {
  std::vector<const NetLink*> found;
  for (const NetLink& l : links) {
    if (l.kind == "veth" && l.link_netnsid == nsid) found.push_back(&l);
  }
  std::sort(found.begin(), found.end(),
            [](const NetLink* a, const NetLink* b) { return a->ifindex < b->ifindex; });
  std::vector<std::string> out;
  for (const NetLink* l : found) out.push_back(l->name);
  return out;
}

Result<std::vector<NetLink>> list_net_links() {
  // A link added or removed mid-dump marks the dump interrupted: try again a few times.
  constexpr int kAttempts = 3;
  Result<std::vector<NetLink>> last = Error{"no attempt", kWhere, 0};
  for (int i = 0; i < kAttempts; ++i) {
    last = dump_links_once();
    if (last || last.error().errno_value != EINTR) break;
  }
  return last;
}

Result<std::optional<int>> net_namespace_id(const std::string& ns_path) {
  const int ns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) return errno_error("open", ns_path);
  Fd ns_fd(ns);
  auto fd = open_route_socket();
  if (!fd) return std::move(fd).error();
  Fd sock(*fd);
  struct {
    nlmsghdr h;
    rtgenmsg g;
    std::array<char, NLMSG_ALIGN(sizeof(rtgenmsg)) - sizeof(rtgenmsg)> pad;
    nlattr a;
    std::uint32_t fd;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_GETNSID;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.h.nlmsg_seq = 1;
  req.g.rtgen_family = AF_UNSPEC;
  req.a.nla_len = NLA_HDRLEN + sizeof(std::uint32_t);
  req.a.nla_type = NETNSA_FD;
  req.fd = static_cast<std::uint32_t>(ns_fd.get());
  if (auto s = send_request(sock.get(), &req, sizeof req); !s) return std::move(s).error();
  std::vector<std::byte> buf(4096);
  auto got = receive(sock.get(), buf);
  if (!got) return std::move(got).error();
  std::optional<int> nsid;
  bool answered = false;
  auto done =
      for_each_message(*got, [&](const nlmsghdr& h, std::span<const std::byte> p) -> Status {
        if (h.nlmsg_type != RTM_NEWNSID) return {};
        if (p.size() < NLMSG_ALIGN(sizeof(rtgenmsg))) {
          return Error{"truncated RTM_NEWNSID message", kWhere, EBADMSG};
        }
        auto attrs = parse_attrs(p.subspan(NLMSG_ALIGN(sizeof(rtgenmsg))));
        if (!attrs) return std::move(attrs).error();
        for (const Attr& a : *attrs) {
          if (a.type != NETNSA_NSID) continue;
          const auto id = attr_scalar<int>(a.payload);
          if (id && *id >= 0) nsid = *id;  // NETNSA_NSID_NOT_ASSIGNED is -1
          answered = true;
        }
        return {};
      });
  if (!done) {
    Error e = std::move(done).error();
    e.where = ns_path;
    return e;
  }
  if (!answered) return Error{"no RTM_NEWNSID answer", ns_path, EBADMSG};
  return nsid;
}

Result<std::vector<std::string>> HostVethFinder::find(pid_t pid) {
  if (!own_namespace_) {
    auto mine = read_net_namespace(proc_root_, 0);
    if (!mine) return std::move(mine).error();
    own_namespace_ = std::move(*mine);
  }
  auto theirs = read_net_namespace(proc_root_, pid);
  if (!theirs) return std::move(theirs).error();
  if (*own_namespace_ == *theirs) return std::vector<std::string>{};
  // The dump first: it assigns ids to the namespaces that veth peers live in.
  if (!links_) {
    auto links = list_net_links();
    if (!links) return std::move(links).error();
    links_ = std::move(*links);
  }
  auto nsid = net_namespace_id(proc_root_ + "/" + std::to_string(pid) + "/ns/net");
  if (!nsid) return std::move(nsid).error();
  if (!*nsid) return std::vector<std::string>{};
  return veth_peers_in(*links_, **nsid);
}

Result<std::vector<std::string>> host_side_veths(const std::string& proc_root, pid_t pid) {
  return HostVethFinder(proc_root).find(pid);
}

}  // namespace augur::host
