#include "augur/daemon/control_server.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace augur::daemon {

namespace {

// A client gets this long to send its request and take the answer: a stalled client must
// not hold the control thread.
constexpr int kClientTimeoutMs = 1000;

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The peer's supplementary groups, recorded by the kernel at connect(). The buffer grows
// when the kernel says ERANGE (it then reports the length it needs).
std::optional<std::vector<gid_t>> peer_groups(int client) {
  std::vector<gid_t> groups(32);
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (::getsockopt(client, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      return groups;
    }
    if (errno != ERANGE) return std::nullopt;
    groups.resize(len / sizeof(gid_t) + 1);
  }
  return std::nullopt;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string control_error(std::string_view message) {
  return "{\"ok\":false,\"error\":\"" + json_escape(message) + "\"}";
}

Result<std::unique_ptr<ControlServer>> ControlServer::start(ControlServerOptions options,
                                                            ControlHandler handler) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (options.socket_path.size() >= sizeof(addr.sun_path)) {
    return Error{"control socket path is too long", options.socket_path, ENAMETOOLONG};
  }
  std::memcpy(addr.sun_path, options.socket_path.c_str(), options.socket_path.size() + 1);

  gid_t group_id = static_cast<gid_t>(-1);
  if (const struct group* g = ::getgrnam(options.group.c_str()); g != nullptr) {
    group_id = g->gr_gid;
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno_error("cannot create the control socket", options.socket_path);
  // A stale socket from a crashed run: the instance lock guarantees it is not in use.
  ::unlink(options.socket_path.c_str());
  // Created 0600 under this umask and widened after chown, so no one else can connect in
  // between.
  const mode_t old_umask = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::umask(old_umask);
  if (bound != 0) {
    Error e = errno_error("cannot bind the control socket", options.socket_path);
    ::close(fd);
    return e;
  }
  if (group_id != static_cast<gid_t>(-1) &&
      ::chown(options.socket_path.c_str(), 0, group_id) != 0) {
    Error e = errno_error("cannot give the control socket to group " + options.group,
                          options.socket_path);
    ::close(fd);
    return e;
  }
  if (::chmod(options.socket_path.c_str(), 0660) != 0 || ::listen(fd, 16) != 0) {
    Error e = errno_error("cannot listen on the control socket", options.socket_path);
    ::close(fd);
    return e;
  }
  int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) {
    Error e = errno_error("cannot create eventfd", "eventfd");
    ::close(fd);
    return e;
  }
  std::unique_ptr<ControlServer> server(
      new ControlServer(std::move(options), std::move(handler), fd, stop_fd, group_id));
  server->thread_ = std::thread([s = server.get()] { s->serve(); });
  return server;
}

ControlServer::ControlServer(ControlServerOptions options, ControlHandler handler, int listen_fd,
                             int stop_fd, gid_t group)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      listen_fd_(listen_fd),
      stop_fd_(stop_fd),
      group_(group),
      tokens_(options_.max_requests_per_second) {
  last_refill_ns_ = monotonic_ns();
}

ControlServer::~ControlServer() {
  stop();
  ::close(listen_fd_);
  ::close(stop_fd_);
  ::unlink(options_.socket_path.c_str());
}

void ControlServer::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  (void)!::write(stop_fd_, &one, sizeof(one));
  thread_.join();
}

void ControlServer::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;  // EAGAIN, ECONNABORTED, EMFILE: try again on the next wake
    handle(client);
    ::close(client);
  }
}

bool ControlServer::peer_allowed(const PeerCredentials& peer) const {
  if (peer.uid == 0) return true;
  if (group_ == static_cast<gid_t>(-1)) return false;
  if (peer.gid == group_) return true;
  return std::find(peer.groups.begin(), peer.groups.end(), group_) != peer.groups.end();
}

bool ControlServer::take_token() {
  // A token bucket: max_requests_per_second tokens, refilled continuously.
  const std::int64_t now = monotonic_ns();
  const double rate = options_.max_requests_per_second;
  tokens_ = std::min(rate, tokens_ + rate * static_cast<double>(now - last_refill_ns_) / 1e9);
  last_refill_ns_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void ControlServer::handle(int client) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return;
  // Unknown groups (an old kernel without SO_PEERGROUPS) leave only root and the primary
  // group allowed: the check fails closed.
  const PeerCredentials peer{cred.pid, cred.uid, cred.gid,
                             peer_groups(client).value_or(std::vector<gid_t>{})};
  if (!peer_allowed(peer)) {
    ++refused_peers_;
    send_all(
        client,
        control_error("permission denied: root or group " + options_.group + " required") + "\n");
    return;
  }
  if (!take_token()) {
    ++rejected_requests_;
    send_all(client, control_error("rate limit exceeded, try again") + "\n");
    return;
  }
  // Read one line, bounded in size and time.
  std::string request;
  char buf[4096];
  const std::int64_t deadline = monotonic_ns() + std::int64_t{kClientTimeoutMs} * 1'000'000;
  for (;;) {
    const auto left_ms = (deadline - monotonic_ns()) / 1'000'000;
    pollfd p{client, POLLIN, 0};
    if (left_ms <= 0 || ::poll(&p, 1, static_cast<int>(left_ms)) <= 0) {
      ++rejected_requests_;
      send_all(client, control_error("request timed out") + "\n");
      return;
    }
    const ssize_t n = ::recv(client, buf, sizeof(buf), 0);
    if (n <= 0) break;  // peer closed: take what came
    request.append(buf, static_cast<std::size_t>(n));
    if (request.size() > options_.max_request_bytes) {
      ++rejected_requests_;
      send_all(client, control_error("request too large (limit " +
                                     std::to_string(options_.max_request_bytes) + " bytes)") +
                           "\n");
      return;
    }
    if (request.find('\n') != std::string::npos) break;
  }
  if (const auto nl = request.find('\n'); nl != std::string::npos) request.resize(nl);
  send_all(client, handler_(request, peer) + "\n");
}

}  // namespace augur::daemon
