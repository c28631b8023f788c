#pragma once
// metrics.address as a socket address: "host:port" with an IPv4 address or a host name
// (resolved once, first answer used) or "[IPv6]:port". Port 0 asks the kernel for a free
// port (tests); the config accepts 1..65535.
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "augur/util/result.h"

namespace augur::metrics {

struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view address);

// "127.0.0.1:9464" or "[::1]:9464".
[[nodiscard]] std::string format_address(const ListenAddress& address);

}  // namespace augur::metrics
