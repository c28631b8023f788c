#include "augur/metrics/listen_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace augur::metrics {

namespace {

Error bad(std::string why, std::string_view address) {
  return Error{"metrics address " + std::move(why) + " (want host:port or [ipv6]:port)",
               std::string(address), EINVAL};
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view address) {
  std::string host;
  std::string_view port;
  bool bracketed = false;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return bad("has an unclosed [ or no :port after ]", address);
    }
    host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return bad("has no :port", address);
    host = std::string(address.substr(0, colon));
    port = address.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return bad("has an IPv6 address without [brackets]", address);
    }
  }
  if (host.empty()) return bad("has no host", address);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
    return bad("has an invalid port", address);
  }
  if (std::stoul(std::string(port)) > 65535) return bad("has a port above 65535", address);

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (bracketed) {
    hints.ai_family = AF_INET6;
    hints.ai_flags |= AI_NUMERICHOST;
  } else if (host.find_first_not_of("0123456789.") == std::string::npos) {
    // Looks like an IPv4 address: dotted quad only (no "1.2.3" shorthand), and never ask
    // DNS about a mistyped one.
    ListenAddress out;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1) {
      return bad("has an invalid IPv4 address", address);
    }
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<std::uint16_t>(std::stoul(std::string(port))));
    out.length = sizeof(sockaddr_in);
    return out;
  }
  addrinfo* found = nullptr;
  const std::string port_text(port);
  if (const int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return Error{std::string("cannot resolve the metrics address: ") + ::gai_strerror(rc),
                 std::string(address), rc == EAI_SYSTEM ? errno : EINVAL};
  }
  ListenAddress out;
  std::memcpy(&out.storage, found->ai_addr, found->ai_addrlen);
  out.length = found->ai_addrlen;
  ::freeaddrinfo(found);
  return out;
}

std::string format_address(const ListenAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.storage.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address.storage);
  ::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
  return std::string(text) + ":" + std::to_string(ntohs(in4->sin_port));
}

}  // namespace augur::metrics
