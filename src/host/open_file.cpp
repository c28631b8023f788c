#include "augur/host/open_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace augur::host {

namespace {
// Most cgroup and proc files fit in a page; memory.stat and /proc/diskstats can be larger,
// and the buffer grows (doubling) up to this cap, beyond which the file is reported truncated.
constexpr std::size_t kInitialBuffer = 4096;
constexpr std::size_t kMaxBuffer = 4 << 20;
}  // namespace

Result<OpenFile> OpenFile::open(std::string path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open", path);
  OpenFile f;
  f.fd_ = fd;
  f.path_ = std::move(path);
  return f;
}

OpenFile::OpenFile(OpenFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      buf_(std::move(other.buf_)),
      last_syscalls_(other.last_syscalls_) {}

OpenFile& OpenFile::operator=(OpenFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    buf_ = std::move(other.buf_);
    last_syscalls_ = other.last_syscalls_;
  }
  return *this;
}

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string_view> OpenFile::read() {
  last_syscalls_ = 0;
  if (fd_ < 0) return Error{"read of a closed file", path_, EBADF};
  if (buf_.size() < kInitialBuffer) buf_.resize(kInitialBuffer);
  for (;;) {
    // A full buffer may mean more content: grow and re-read from 0 so the content is one
    // consistent snapshot (seq_file generates it per read at offset 0).
    ssize_t n;
    do {
      n = ::pread(fd_, buf_.data(), buf_.size(), 0);
      ++last_syscalls_;
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno_error("read", path_);
    if (static_cast<std::size_t>(n) < buf_.size()) {
      return std::string_view(buf_.data(), static_cast<std::size_t>(n));
    }
    if (buf_.size() >= kMaxBuffer) return Error{"file larger than the read buffer cap", path_, 0};
    buf_.resize(buf_.size() * 2);
  }
}

Result<std::string> read_file(const std::string& path) {
  auto f = OpenFile::open(path);
  if (!f) return std::move(f).error();
  auto content = f->read();
  if (!content) return content.error();
  return std::string(*content);
}

bool is_gone(const Error& e) {
  return e.errno_value == ESRCH || e.errno_value == ENOENT || e.errno_value == ENODEV;
}

}  // namespace augur::host
