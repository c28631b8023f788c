#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace augur::ops_test {

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

int connect_only(const metrics::ListenAddress& to) {
  const int fd = ::socket(to.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to.storage), to.length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

RawAnswer http_exchange(const metrics::ListenAddress& to, std::string_view request,
                        std::chrono::milliseconds timeout) {
  RawAnswer answer;
  const int fd = connect_only(to);
  if (fd < 0) return answer;
  answer.connected = true;
  std::string_view left = request;
  while (!left.empty()) {
    const ssize_t n = ::send(fd, left.data(), left.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (431) and close before reading it all
    left.remove_prefix(static_cast<std::size_t>(n));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
    pollfd p{fd, POLLIN, 0};
    if (ms <= 0 || ::poll(&p, 1, static_cast<int>(ms)) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.bytes.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = answer.bytes.find("\r\n\r\n");
  if (answer.bytes.rfind("HTTP/1.1 ", 0) == 0 && head_end != std::string::npos) {
    answer.status = std::stoi(answer.bytes.substr(9, 3));
    answer.headers = answer.bytes.substr(0, head_end + 2);
    answer.body = answer.bytes.substr(head_end + 4);
  }
  return answer;
}

}  // namespace augur::ops_test
