#pragma once
// Starts and drives augur_test_worker (worker_protocol.h) from a test; SIGKILLs and reaps it
// on destruction. Also: the open descriptors of a process, for the fd-leak checks.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "worker_protocol.h"

extern char** environ;

namespace augur::testing {

// Where each of a process's descriptors points (readlink of /proc/<pid>/fd/*), "self" for
// this process. The directory stream's own descriptor is left out.
inline std::vector<std::string> fd_targets(const std::string& pid = "self") {
  std::vector<std::string> out;
  const std::string dir = "/proc/" + pid + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  const std::string own = std::to_string(::dirfd(d));
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.' || (pid == "self" && own == e->d_name)) continue;
    char buf[512];
    const std::string link = dir + "/" + e->d_name;
    const auto n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    out.emplace_back(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  ::closedir(d);
  return out;
}

inline std::size_t count_open_fds() {
  return fd_targets().size();
}

class Worker {
 public:
  Worker() {
    ::signal(SIGPIPE, SIG_IGN);  // a dead worker must fail a command, not kill the test
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    char* argv[] = {const_cast<char*>(AUGUR_TEST_WORKER), nullptr};
    if (::posix_spawn(&pid_, AUGUR_TEST_WORKER, &actions, nullptr, argv, environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() { stop(); }

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }

  // Sends one command and waits for its answer; false when it failed or the worker is gone.
  bool command(char c) {
    if (pid_ <= 0 || ::write(to_, &c, 1) != 1) return false;
    char reply = 0;
    return ::read(from_, &reply, 1) == 1 && reply == worker::kOk;
  }

  // SIGKILL and reap (idempotent).
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    for (int* fd : {&to_, &from_}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
};

}  // namespace augur::testing
