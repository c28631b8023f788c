#include "augur/ctl/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace augur::ctl {

Result<std::string> ask_daemon(const std::string& socket_path, const std::string& request,
                               std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return Error{"socket path too long", socket_path, ENAMETOOLONG};
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("cannot create a socket", "socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == ENOENT || err == ECONNREFUSED) {
      return Error{"augurd is not running (nothing listens on the control socket)", socket_path,
                   err};
    }
    if (err == EACCES) {
      return Error{"permission denied: run as root or as a member of the augur group", socket_path,
                   err};
    }
    return Error{"cannot connect to augurd", socket_path, err};
  }
  const std::string line = request + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    Error e = errno_error("cannot send the request", socket_path);
    ::close(fd);
    return e;
  }
  std::string answer;
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) {
      ::close(fd);
      return Error{"augurd did not answer in time", socket_path, ready == 0 ? ETIMEDOUT : errno};
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  if (const auto nl = answer.find('\n'); nl != std::string::npos) answer.resize(nl);
  if (answer.empty())
    return Error{"augurd closed the connection without answering", socket_path, 0};
  return answer;
}

}  // namespace augur::ctl
