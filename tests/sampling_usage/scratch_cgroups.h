#pragma once
// Real cgroups and child processes made by a test, undone on destruction even when an
// assertion fails: children are SIGKILLed and reaped first, then the cgroups are removed
// (deepest first), retrying briefly while the kernel finishes releasing the tasks.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace augur::testing {

class ScratchCgroups {
 public:
  ScratchCgroups() = default;
  ScratchCgroups(const ScratchCgroups&) = delete;
  ScratchCgroups& operator=(const ScratchCgroups&) = delete;
  ~ScratchCgroups() {
    for (const pid_t p : children_) kill_and_reap(p);
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) remove_dir(*it);
  }

  // mkdir; false (with errno) on failure. Remembered for removal.
  bool make_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0) return false;
    dirs_.push_back(dir);
    return true;
  }
  void forget_dir(const std::string& dir) { std::erase(dirs_, dir); }

  // Forks a child that runs `body` and never returns; async-signal-safe work only in body.
  pid_t spawn(const std::function<void()>& body) {
    const pid_t p = ::fork();
    if (p == 0) {
      body();
      ::_exit(0);
    }
    if (p > 0) children_.push_back(p);
    return p;
  }

  static bool write(const std::string& path, const std::string& value) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    ::close(fd);
    return ok;
  }

  static void kill_and_reap(pid_t p) {
    ::kill(p, SIGKILL);
    while (::waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  static bool remove_dir(const std::string& dir) {
    for (int i = 0; i < 100; ++i) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::vector<pid_t> children_;

 private:
  std::vector<std::string> dirs_;
};

}  // namespace augur::testing
