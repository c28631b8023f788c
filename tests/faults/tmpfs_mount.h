#pragma once
// A real tmpfs of a given size mounted (mount(2), as root) on a fresh directory, for a disk
// that fills up; unmounted (lazily) and removed on destruction.
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace augur::testing::faults {

class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& size) {
    char tmpl[] = "/tmp/augur-tmpfs-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      error_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    path_ = tmpl;
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                ("size=" + size + ",mode=0755").c_str()) != 0) {
      error_ = "mount -t tmpfs " + path_ + ": " + std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  // Space returns: the same mount, larger (remount keeps its files).
  bool resize(const std::string& size) {
    return ::mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV,
                   ("size=" + size + ",mode=0755").c_str()) == 0;
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string error_;
  bool mounted_ = false;
};

}  // namespace augur::testing::faults
