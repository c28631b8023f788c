#include "test_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace augur::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/augur-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

NotifySocket::NotifySocket(const std::string& path) : path_(path) {
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    throw std::runtime_error("bind notify socket: " + std::string(strerror(errno)));
  }
}

NotifySocket::~NotifySocket() {
  close(fd_);
  unlink(path_.c_str());
}

std::optional<std::string> NotifySocket::receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buf[4096];
  const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

bool NotifySocket::wait_for(const std::string& needle, std::chrono::milliseconds timeout,
                            std::vector<std::string>* seen) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto msg = receive(left);
    if (!msg) return false;
    if (seen) seen->push_back(*msg);
    if (msg->find(needle) != std::string::npos) return true;
  }
}

Child::Child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
             const std::string& stdout_path, const std::string& stderr_path) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const auto& e : extra_env) env.push_back(e);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  // Opened before the fork: between fork and exec only async-signal-safe calls are allowed.
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int exec_errno[2] = {-1, -1};  // the child writes errno here if exec fails
  const bool opened = in >= 0 && out >= 0 && err >= 0 && ::pipe2(exec_errno, O_CLOEXEC) == 0;
  const int open_errno = errno;
  const pid_t parent = ::getpid();
  pid_ = opened ? ::fork() : -1;
  if (pid_ == 0) {
    // A test that dies (a crash, a signal) must not leave its daemons behind holding pid
    // files and sockets the next test needs: the child dies with the test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Nor may it inherit the test runner's blocked signals or ignored SIGPIPE.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(cargv[0], cargv.data(), cenv.data());
    const int e = errno;
    [[maybe_unused]] const ssize_t n = ::write(exec_errno[1], &e, sizeof(e));
    ::_exit(127);
  }
  const int fork_errno = errno;
  for (int fd : {in, out, err, exec_errno[1]})
    if (fd >= 0) ::close(fd);
  int child_errno = 0;
  if (pid_ > 0) {
    // EOF (exec closed the pipe) means the program runs; an int means exec failed.
    ssize_t n;
    do n = ::read(exec_errno[0], &child_errno, sizeof(child_errno));
    while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof(child_errno))) child_errno = 0;
  }
  if (exec_errno[0] >= 0) ::close(exec_errno[0]);
  if (!opened) throw std::runtime_error("start " + argv[0] + ": " + strerror(open_errno));
  if (pid_ < 0) throw std::runtime_error("fork for " + argv[0] + ": " + strerror(fork_errno));
  if (child_errno != 0) {
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    throw std::runtime_error("exec " + argv[0] + ": " + strerror(child_errno));
  }
}

Child::~Child() {
  if (!status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
}

void Child::signal(int sig) const {
  kill(pid_, sig);
}

bool Child::running() {
  if (status_) return false;
  int st = 0;
  const pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    return false;
  }
  return true;
}

std::optional<int> Child::wait_exit(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (!running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return running() ? std::nullopt : status_;
}

int run_to_exit(const std::vector<std::string>& argv, const std::string& stdout_path,
                const std::string& stderr_path) {
  Child c(argv, {}, stdout_path, stderr_path);
  auto code = c.wait_exit(std::chrono::seconds(30));
  return code.value_or(-999);
}

}  // namespace augur::testing
