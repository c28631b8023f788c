#pragma once
// Helpers for tests that drive a real binary as systemd would: a notify socket the test owns,
// and a child process with its own environment and captured output.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace augur::testing {

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// A datagram socket standing in for systemd's NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // The next datagram, or nothing after `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);
  // Reads datagrams until one contains `needle`; returns every datagram seen on the way.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout,
                std::vector<std::string>* seen = nullptr);

 private:
  int fd_ = -1;
  std::string path_;
};

class Child {
 public:
  // Starts argv[0] with the current environment plus `extra_env` ("KEY=value"); stdout and
  // stderr go to the given files.
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
        const std::string& stdout_path, const std::string& stderr_path);
  ~Child();  // SIGKILLs a child still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void signal(int sig) const;
  [[nodiscard]] bool running();
  // The exit code, or nothing if it did not exit in time (or died of a signal: then -signo).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs to completion and returns the exit code (or -signo).
int run_to_exit(const std::vector<std::string>& argv, const std::string& stdout_path,
                const std::string& stderr_path);

}  // namespace augur::testing
