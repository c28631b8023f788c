#pragma once
// Writes to cgroupfs (and fixture) files: open, write the exact bytes, close. cgroupfs takes
// each write(2) as one command and answers it with its own errno (EINVAL for a value it
// refuses, EROFS on a read-only mount, EACCES/EPERM without the right, ENOENT when the
// cgroup is gone, EBUSY when memory cannot be reclaimed below a new limit), so one line is
// one write(2) and every failure is an Error carrying the path and errno. O_TRUNC makes a
// fixture's regular file hold exactly the bytes written; cgroupfs ignores it.
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::actuate {

// One open, one write(2) of `bytes`, close.
Status write_kernel_file(const std::string& path, std::string_view bytes);

// One open, one write(2) per line (each line a complete command, e.g. one io.max device),
// close. Stops at the first failing line.
Status write_kernel_lines(const std::string& path, const std::vector<std::string>& lines);

// The whole file (open, read, close).
Result<std::string> read_kernel_file(const std::string& path);

// True when `path` exists (any type).
bool path_exists(const std::string& path);

}  // namespace augur::actuate
