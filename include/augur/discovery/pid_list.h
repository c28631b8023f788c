#pragma once
// cgroup.threads / cgroup.procs (v2) and tasks (v1): one decimal id per line.
#include <sys/types.h>

#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::discovery {

// Pure: ids in file order; blank lines skipped; anything else is an Error naming `where`.
Result<std::vector<pid_t>> parse_pid_list(std::string_view text, std::string_view where);

}  // namespace augur::discovery
