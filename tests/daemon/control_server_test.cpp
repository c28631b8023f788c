#include "augur/daemon/control_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "augur/daemon/control_protocol.h"
#include "test_process.h"

namespace augur::daemon {
namespace {

// Sends one request and returns the whole answer ("" when the connection was refused).
std::string ask(const std::string& path, const std::string& request) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (poll(&p, 1, 3000) > 0) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return answer;
}

class FakeDaemon final : public ControlApi {
 public:
  DaemonStatus status() override {
    DaemonStatus s;
    s.version = "test";
    s.mode = mode;
    s.counters.ticks = 42;
    return s;
  }
  void set_mode(Mode m) override { mode = m; }
  Mode mode = Mode::kObserve;
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControlServerOptions o;
    o.socket_path = dir.file("augur.sock");
    o.max_request_bytes = 1024;
    o.max_requests_per_second = 1000;
    auto s = ControlServer::start(o, [this](std::string_view line, const PeerCredentials& peer) {
      return handle_control_request(line, peer, api);
    });
    ASSERT_TRUE(s) << s.error().message();
    server = std::move(s).value();
  }
  testing::TempDir dir;
  FakeDaemon api;
  std::unique_ptr<ControlServer> server;
};

TEST_F(ControlServerTest, SocketIsMode0660) {
  struct stat st {};
  ASSERT_EQ(stat(dir.file("augur.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

TEST_F(ControlServerTest, AnswersStatus) {
  const std::string answer = ask(dir.file("augur.sock"), "{\"verb\":\"status\"}\n");
  EXPECT_NE(answer.find("\"ok\":true"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"ticks\":42"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"mode\":\"observe\""), std::string::npos) << answer;
}

TEST_F(ControlServerTest, ChangesMode) {
  const std::string answer =
      ask(dir.file("augur.sock"), "{\"verb\":\"mode\",\"mode\":\"enforce\"}\n");
  EXPECT_NE(answer.find("\"mode\":\"enforce\""), std::string::npos) << answer;
  EXPECT_EQ(api.mode, Mode::kEnforce);
  EXPECT_NE(ask(dir.file("augur.sock"), "{\"verb\":\"mode\",\"mode\":\"yolo\"}\n").find("bad mode"),
            std::string::npos);
  EXPECT_EQ(api.mode, Mode::kEnforce);
}

TEST_F(ControlServerTest, BadRequestsGetAnErrorAndLeaveTheServerServing) {
  const std::string path = dir.file("augur.sock");
  EXPECT_NE(ask(path, "{not json\n").find("malformed request"), std::string::npos);
  EXPECT_NE(ask(path, "[1,2]\n").find("malformed request"), std::string::npos);
  EXPECT_NE(ask(path, "{\"verb\":\"launch\"}\n").find("unknown verb 'launch'"), std::string::npos);
  EXPECT_NE(ask(path, std::string(5000, 'x') + "\n").find("request too large"), std::string::npos);
  EXPECT_NE(ask(path, "{\"verb\":\"status\"}\n").find("\"ok\":true"), std::string::npos);
}

// Runs `request` as user nobody in a child; returns its answer through a pipe.
std::string ask_as_nobody(const std::string& path, const std::string& request) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return "pipe failed";
  const pid_t child = fork();
  if (child == 0) {
    close(pipefd[0]);
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    const std::string answer = ask(path, request);
    (void)!write(pipefd[1], answer.data(), answer.size());
    _exit(0);
  }
  close(pipefd[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return out;
}

TEST_F(ControlServerTest, APeerOutsideRootAndTheGroupCannotConnect) {
  // The file mode alone keeps nobody out.
  EXPECT_EQ(ask_as_nobody(dir.file("augur.sock"), "{\"verb\":\"status\"}\n"), "");
}

TEST_F(ControlServerTest, PeerCredentialsAreCheckedEvenIfTheSocketModeIsWidened) {
  // An operator's mistake (chmod 666) must not open the daemon: SO_PEERCRED still refuses.
  ASSERT_EQ(chmod(dir.file("augur.sock").c_str(), 0666), 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string answer =
      ask_as_nobody(dir.file("augur.sock"), "{\"verb\":\"mode\",\"mode\":\"enforce\"}\n");
  EXPECT_NE(answer.find("permission denied"), std::string::npos) << answer;
  EXPECT_EQ(api.mode, Mode::kObserve);
  EXPECT_EQ(server->refused_peers(), 1u);
}

}  // namespace
}  // namespace augur::daemon
