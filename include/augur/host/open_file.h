#pragma once
// A kernel file kept open and re-read from offset 0 with pread into a reusable buffer: one
// syscall per file per tick once the buffer has grown to fit. cgroupfs and procfs files
// (seq_file and kernfs) regenerate their content on a read at offset 0, so no lseek or
// re-open is needed.
#include <cstddef>
#include <string>
#include <string_view>

#include "augur/util/result.h"

namespace augur::host {

class OpenFile {
 public:
  // Opens `path` read-only (O_CLOEXEC). Error carries the path and errno (ENOENT when the
  // file does not exist on this host or the cgroup/process is gone).
  static Result<OpenFile> open(std::string path);

  OpenFile() = default;
  OpenFile(OpenFile&& other) noexcept;
  OpenFile& operator=(OpenFile&& other) noexcept;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();

  // The whole content, read from offset 0. The view stays valid until the next read() or
  // destruction. A process that exited gives ESRCH (or an empty read): see is_gone().
  Result<std::string_view> read();

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Number of pread calls made by the last read() (1 once the buffer fits the file).
  [[nodiscard]] int last_read_syscalls() const { return last_syscalls_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string buf_;
  int last_syscalls_ = 0;
};

// Reads a whole file once (open, pread, close): for files read once per discovery, not per tick.
Result<std::string> read_file(const std::string& path);

// True when the error means the process, thread or cgroup has gone away (ESRCH, ENOENT,
// ENODEV): normal churn, not a failure.
[[nodiscard]] bool is_gone(const Error& e);

}  // namespace augur::host
