#pragma once
// A raw TCP client for the server tests: sends bytes as given and reads the whole answer.
#include <chrono>
#include <string>
#include <string_view>

#include "augur/metrics/listen_address.h"

namespace augur::ops_test {

struct RawAnswer {
  bool connected = false;
  std::string bytes;  // everything read until the server closed (or the timeout)
  int status = 0;     // from the status line, 0 when there was none
  std::string headers;
  std::string body;
};

// Connects, sends `request`, reads until EOF.
RawAnswer http_exchange(const metrics::ListenAddress& to, std::string_view request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A loopback port free right now (the kernel's pick); a daemon binds it a moment later. -1
// on failure.
int free_loopback_port();

// A connected socket that sends nothing (for stalled-client tests); -1 on failure.
int connect_only(const metrics::ListenAddress& to);

// GET /metrics the way Prometheus asks for it.
inline constexpr std::string_view kScrapeRequest =
    "GET /metrics HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Prometheus/2.42.0\r\n"
    "Accept: application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,"
    "*/*;q=0.1\r\nAccept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";

}  // namespace augur::ops_test
