#include "augur/actuate/kernel_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "augur/host/open_file.h"

namespace augur::actuate {
namespace {

// For messages: the bytes without their trailing newline.
std::string shown(std::string_view bytes) {
  while (!bytes.empty() && bytes.back() == '\n') bytes.remove_suffix(1);
  return "'" + std::string(bytes) + "'";
}

Status write_one(int fd, const std::string& path, std::string_view bytes) {
  ssize_t n;
  do {
    n = ::write(fd, bytes.data(), bytes.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("write of " + shown(bytes) + " failed", path);
  // cgroupfs consumes a command whole or fails it; a short write means the rest was lost.
  if (static_cast<std::size_t>(n) != bytes.size()) {
    return Error{"short write of " + shown(bytes), path, EIO};
  }
  return {};
}

}  // namespace

Status write_kernel_lines(const std::string& path, const std::vector<std::string>& lines) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return errno_error("open for writing failed", path);
  Status status;
  for (const auto& line : lines) {
    status = write_one(fd, path, line);
    if (!status) break;
  }
  // cgroupfs reports errors at write(2); a regular file may report them at close(2).
  if (::close(fd) != 0 && status) return errno_error("close after writing failed", path);
  return status;
}

Status write_kernel_file(const std::string& path, std::string_view bytes) {
  return write_kernel_lines(path, {std::string(bytes)});
}

Result<std::string> read_kernel_file(const std::string& path) {
  return host::read_file(path);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace augur::actuate
