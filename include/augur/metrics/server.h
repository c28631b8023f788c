#pragma once
// The /metrics endpoint: a small HTTP server on its own thread answering GET /metrics with
// the registry's exposition. One connection at a time, one request per connection; a
// request head is bounded in size and a client in time, so a stalled or hostile client
// delays a scrape by at most client_timeout and never stops the server.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "augur/metrics/listen_address.h"
#include "augur/metrics/registry.h"
#include "augur/util/result.h"

namespace augur::metrics {

struct MetricsServerOptions {
  std::string address = "127.0.0.1:9464";  // metrics.address
  std::size_t max_request_bytes = 8192;    // a longer head gets 431
  std::chrono::milliseconds client_timeout{2000};
};

// Produces the body of a scrape. Called on the server thread.
using ExpositionSource = std::function<std::string()>;

class MetricsServer {
 public:
  static Result<std::unique_ptr<MetricsServer>> start(MetricsServerOptions options,
                                                      ExpositionSource source);
  // Serves registry.exposition(); the registry must outlive the server.
  static Result<std::unique_ptr<MetricsServer>> start(MetricsServerOptions options,
                                                      const MetricsRegistry& registry);
  ~MetricsServer();  // stops
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void stop();
  // Where it listens, with the kernel's port when the address asked for port 0.
  [[nodiscard]] const ListenAddress& bound() const { return bound_; }
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::uint64_t scrapes() const { return scrapes_.load(); }
  // Requests answered with an error status or dropped (timeout, closed early).
  [[nodiscard]] std::uint64_t rejected_requests() const { return rejected_.load(); }

 private:
  MetricsServer(MetricsServerOptions options, ExpositionSource source, int listen_fd, int stop_fd,
                ListenAddress bound);
  void serve();
  void handle(int client_fd);
  bool send_all(int fd, std::string_view data, std::chrono::steady_clock::time_point deadline);
  void linger_close(int fd);

  MetricsServerOptions options_;
  ExpositionSource source_;
  int listen_fd_;
  int stop_fd_;  // eventfd: wakes every poll at once on stop
  ListenAddress bound_;
  std::thread thread_;
  std::atomic<std::uint64_t> scrapes_{0};
  std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace augur::metrics
