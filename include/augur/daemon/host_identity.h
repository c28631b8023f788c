#pragma once
// Which host this is, for every record the store writes: the configured daemon.host_id, or
// systemd's machine id (stable across reboots and renames), or the hostname as a last resort.
#include <string>

namespace augur::daemon {

std::string host_identity(const std::string& configured,
                          const std::string& machine_id_path = "/etc/machine-id");

}  // namespace augur::daemon
