#pragma once
// augurctl's side of the control socket: one JSON request line, one JSON answer line.
#include <chrono>
#include <string>

#include "augur/util/result.h"

namespace augur::ctl {

// Sends `request` (one JSON object) and returns the answer line. ENOENT/ECONNREFUSED mean
// the daemon is not running; the error says so plainly.
Result<std::string> ask_daemon(const std::string& socket_path, const std::string& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace augur::ctl
