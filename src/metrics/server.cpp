#include "augur/metrics/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include "augur/metrics/http_request.h"
#include "augur/metrics/text_format.h"

namespace augur::metrics {

namespace {

using Clock = std::chrono::steady_clock;

// After the answer, unread request bytes are drained for at most this long (and this much)
// so closing does not reset the connection before the client has read the answer.
constexpr auto kLingerTime = std::chrono::milliseconds(250);
constexpr std::size_t kLingerBytes = 64 * 1024;
// accept() out of file descriptors: wait before trying again rather than spin.
constexpr int kAcceptBackoffMs = 100;

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

enum class Wait { kReady, kTimeout, kStop, kError };

// Waits for `events` on fd, or the stop eventfd, until the deadline.
Wait wait_for(int fd, short events, int stop_fd, Clock::time_point deadline) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    const int rc = ::poll(fds, 2, remaining_ms(deadline));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Wait::kError;
    }
    if (fds[1].revents != 0) return Wait::kStop;
    if (rc == 0) return Wait::kTimeout;
    return Wait::kReady;  // readiness, hang-up or error: the next call says which
  }
}

std::string error_body(int status, std::string_view reason) {
  return std::to_string(status) + " " + std::string(reason) + ": only GET /metrics is served\n";
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(MetricsServerOptions options,
                                                            const MetricsRegistry& registry) {
  return start(std::move(options), [&registry] { return registry.exposition(); });
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(MetricsServerOptions options,
                                                            ExpositionSource source) {
  auto address = parse_listen_address(options.address);
  if (!address) return std::move(address).error();
  const int fd =
      ::socket(address->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno_error("cannot create the metrics socket", options.address);
  // A restarted daemon must not wait out TIME_WAIT connections of its predecessor.
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address->storage), address->length) != 0 ||
      ::listen(fd, 16) != 0) {
    Error e = errno_error("cannot listen on the metrics address", options.address);
    ::close(fd);
    return e;
  }
  ListenAddress bound;
  bound.length = sizeof(bound.storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound.storage), &bound.length) != 0) {
    Error e = errno_error("cannot read the metrics socket's address", options.address);
    ::close(fd);
    return e;
  }
  const int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) {
    Error e = errno_error("cannot create eventfd", "eventfd");
    ::close(fd);
    return e;
  }
  std::unique_ptr<MetricsServer> server(
      new MetricsServer(std::move(options), std::move(source), fd, stop_fd, bound));
  server->thread_ = std::thread([s = server.get()] { s->serve(); });
  return server;
}

MetricsServer::MetricsServer(MetricsServerOptions options, ExpositionSource source, int listen_fd,
                             int stop_fd, ListenAddress bound)
    : options_(std::move(options)),
      source_(std::move(source)),
      listen_fd_(listen_fd),
      stop_fd_(stop_fd),
      bound_(bound) {}

MetricsServer::~MetricsServer() {
  stop();
  ::close(listen_fd_);
  ::close(stop_fd_);
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  (void)!::write(stop_fd_, &one, sizeof(one));
  thread_.join();
}

std::uint16_t MetricsServer::port() const {
  if (bound_.storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound_.storage)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&bound_.storage)->sin_port);
}

void MetricsServer::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        pollfd stop{stop_fd_, POLLIN, 0};
        if (::poll(&stop, 1, kAcceptBackoffMs) > 0) return;
      }
      continue;  // EAGAIN, ECONNABORTED: the next wake tries again
    }
    handle(client);
    ::close(client);
  }
}

bool MetricsServer::send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (wait_for(fd, POLLOUT, stop_fd_, deadline) != Wait::kReady) return false;
  }
  return true;
}

void MetricsServer::linger_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto deadline = Clock::now() + kLingerTime;
  std::size_t drained = 0;
  char buf[4096];
  while (drained < kLingerBytes) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      drained += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return;
    if (wait_for(fd, POLLIN, stop_fd_, deadline) != Wait::kReady) return;
  }
}

void MetricsServer::handle(int client) {
  const auto deadline = Clock::now() + options_.client_timeout;
  std::string received;
  std::size_t head_end = std::string::npos;
  char buf[2048];
  while (head_end == std::string::npos) {
    if (received.size() > options_.max_request_bytes) {
      ++rejected_;
      send_all(client,
               render_response(431, "Request Header Fields Too Large", "text/plain",
                               error_body(431, "Request Header Fields Too Large")),
               deadline);
      linger_close(client);
      return;
    }
    const std::size_t want =
        std::min(sizeof(buf), options_.max_request_bytes + 1 - received.size());
    const ssize_t n = ::recv(client, buf, want, 0);
    if (n > 0) {
      received.append(buf, static_cast<std::size_t>(n));
      head_end = find_head_end(received);
      continue;
    }
    if (n == 0) {  // closed before a whole request: nothing to answer
      ++rejected_;
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ++rejected_;
      return;
    }
    const Wait w = wait_for(client, POLLIN, stop_fd_, deadline);
    if (w == Wait::kReady) continue;
    ++rejected_;
    if (w == Wait::kTimeout) {
      // A short grace to say why; the client may not be reading either.
      send_all(
          client,
          render_response(408, "Request Timeout", "text/plain", error_body(408, "Request Timeout")),
          Clock::now() + std::chrono::milliseconds(100));
    }
    return;
  }

  const HttpVerdict verdict = judge_request(std::string_view(received).substr(0, head_end));
  std::string response;
  if (verdict.serve_metrics) {
    try {
      response = render_response(200, "OK", kTextContentType, source_());
      ++scrapes_;
    } catch (const std::exception&) {
      ++rejected_;
      response = render_response(500, "Internal Server Error", "text/plain",
                                 "500 Internal Server Error\n");
    }
  } else {
    ++rejected_;
    response = render_response(verdict.status, verdict.reason, "text/plain",
                               error_body(verdict.status, verdict.reason));
  }
  if (send_all(client, response, deadline)) linger_close(client);
}

}  // namespace augur::metrics
