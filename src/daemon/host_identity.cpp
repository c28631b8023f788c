#include "augur/daemon/host_identity.h"

#include <unistd.h>

#include <fstream>

namespace augur::daemon {

std::string host_identity(const std::string& configured, const std::string& machine_id_path) {
  if (!configured.empty()) return configured;
  std::ifstream in(machine_id_path);
  std::string id;
  if (in >> id && id.size() >= 16) return id;
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0') return name;
  return "unknown-host";
}

}  // namespace augur::daemon
