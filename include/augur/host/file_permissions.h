#pragma once
// Start-up checks on the files augurd trusts: its configuration (it decides what augurd
// writes into other workloads' cgroups), its state directory and its SQLite store (what it
// has learned). A file someone else can write is a way to steer a root daemon, so augurd
// refuses to start rather than read it.
//
// The rule (docs/reliability.md): the file or directory must be owned by root or by the
// daemon's own uid; never writable by others; writable by its group only when that group is
// root's (gid 0). Symbolic links are followed: the target is what augurd reads.
#include <sys/types.h>

#include <string>
#include <string_view>

#include "augur/util/result.h"

namespace augur::host {

enum class IfMissing { kFail, kAllow };

// Ok, or an Error naming `what` (e.g. "config file"), the path, its mode and owner, and the
// fix. A missing path is an error (ENOENT) unless `if_missing` is kAllow.
Status check_not_writable_by_others(std::string_view what, const std::string& path,
                                    uid_t daemon_uid, IfMissing if_missing = IfMissing::kFail);

}  // namespace augur::host
