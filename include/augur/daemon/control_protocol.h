#pragma once
// The control socket's JSON protocol (docs/control-protocol.md):
//   request:  {"verb": "status"}            {"verb": "mode", "mode": "enforce"}
//             {"verb": "show", "instance": "web-1"}   {"verb": "pause", "instance": "web-1"}
//   response: {"ok": true, "data": {...}}   {"ok": false, "error": "..."}
// Verbs: status, instances, show, history, baselines, mode, pause, resume, reload.
// handle_control_request never throws: malformed JSON, unknown verbs and bad arguments are
// answered with an error line.
#include <cstdint>
#include <string>
#include <string_view>

#include "augur/core/decisions.h"
#include "augur/daemon/control_server.h"
#include "augur/daemon/daemon_view.h"
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
  // What the analyser and actuator published; null before the daemon has one.
  virtual DaemonView* view() { return nullptr; }
  // Checks the configuration file and, when it is valid, asks the daemon to reload it
  // (as SIGHUP does). Errors carry the diagnostics.
  virtual Status reload() { return Unexpected{Error{"reload is not available", "", 0}}; }
};

std::string handle_control_request(std::string_view line, const PeerCredentials& peer,
                                   ControlApi& api);

}  // namespace augur::daemon
