#pragma once
// The control socket augurctl talks to: a Unix stream socket, mode 0660, group `augur`,
// peers checked with SO_PEERCRED (root, or a member of the group). One request per
// connection: a JSON object on one line, bounded in size; one JSON line back. Requests over
// the rate limit are answered with an error, not queued. Runs its own thread.
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "augur/util/result.h"

namespace augur::daemon {

struct ControlServerOptions {
  std::string socket_path;
  std::string group = "augur";  // missing group: only root may connect
  std::size_t max_request_bytes = 65536;
  int max_requests_per_second = 50;
};

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  // Supplementary groups as the kernel recorded them when the peer connected
  // (SO_PEERGROUPS): no later exec or exit of the peer can change what is checked.
  std::vector<gid_t> groups;
};

// Answers one request line (without its newline) with one response line.
using ControlHandler = std::function<std::string(std::string_view request, const PeerCredentials&)>;

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> start(ControlServerOptions options,
                                                      ControlHandler handler);
  ~ControlServer();  // stops and removes the socket
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void stop();
  [[nodiscard]] std::uint64_t refused_peers() const { return refused_peers_.load(); }
  [[nodiscard]] std::uint64_t rejected_requests() const { return rejected_requests_.load(); }

 private:
  ControlServer(ControlServerOptions options, ControlHandler handler, int listen_fd, int stop_fd,
                gid_t group);
  void serve();
  void handle(int client_fd);
  bool peer_allowed(const PeerCredentials& peer) const;
  bool take_token();

  ControlServerOptions options_;
  ControlHandler handler_;
  int listen_fd_;
  int stop_fd_;  // eventfd: wakes the poll at once on stop
  gid_t group_;  // (gid_t)-1 when the group does not exist
  std::thread thread_;
  std::atomic<std::uint64_t> refused_peers_{0};
  std::atomic<std::uint64_t> rejected_requests_{0};
  double tokens_;
  std::int64_t last_refill_ns_ = 0;
};

// The error line the server sends for a refused request.
std::string control_error(std::string_view message);

}  // namespace augur::daemon
