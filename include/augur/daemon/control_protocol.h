#pragma once
// The control socket's JSON protocol (docs/control-protocol.md):
//   request:  {"verb": "status"}            {"verb": "mode", "mode": "enforce"}
//   response: {"ok": true, "data": {...}}   {"ok": false, "error": "..."}
// handle_control_request never throws: malformed JSON, unknown verbs and bad arguments are
// answered with an error line.
#include <cstdint>
#include <string>
#include <string_view>

#include "augur/core/decisions.h"
#include "augur/daemon/control_server.h"
#include "augur/daemon/pipeline.h"

namespace augur::daemon {

struct DaemonStatus {
  std::string version;
  std::string config_file;
  Mode mode = Mode::kObserve;
  double uptime_s = 0;
  PipelineCounters counters;
};

// What the protocol may see and change in the running daemon.
class ControlApi {
 public:
  virtual ~ControlApi() = default;
  virtual DaemonStatus status() = 0;
  virtual void set_mode(Mode mode) = 0;
};

std::string handle_control_request(std::string_view line, const PeerCredentials& peer,
                                   ControlApi& api);

}  // namespace augur::daemon
