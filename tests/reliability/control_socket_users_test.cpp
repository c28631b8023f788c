// The control socket against real accounts made for the test (useradd -r, removed after): a
// user whose only link to the socket's group is a supplementary group (as `usermod -aG augur
// alice` makes one) is served; a user outside the group is refused by the socket's mode, and,
// with the mode widened by mistake, by the SO_PEERCRED check. The runtime directory is 0755 as
// the unit makes /run/augur, so the socket's own mode is what is tested.
// tests/daemon/control_server_test.cpp covers user nobody with the directory at 0700.
#include <errno.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../daemon/test_process.h"
#include "augur/daemon/control_protocol.h"
#include "augur/daemon/control_server.h"

namespace augur::daemon {
namespace {

using augur::testing::run_to_exit;
using augur::testing::TempDir;

// Runs a command (useradd, userdel, ...) to completion; its exit code.
int run(const std::vector<std::string>& argv, const TempDir& dir) {
  return run_to_exit(argv, dir.file("cmd.out"), dir.file("cmd.err"));
}

// useradd and groupadd lock /etc/passwd; another test doing the same makes them fail with
// status 10 ("cannot lock"): try a few times.
bool run_retrying(const std::vector<std::string>& argv, const TempDir& dir) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (run(argv, dir) == 0) return true;
    ::usleep(200 * 1000);
  }
  return false;
}

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary
};

std::optional<Account> lookup(const std::string& name) {
  const passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr) return std::nullopt;
  Account a{pw->pw_uid, pw->pw_gid, {}};
  int n = 64;
  a.groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(name.c_str(), pw->pw_gid, a.groups.data(), &n) < 0) return std::nullopt;
  a.groups.resize(static_cast<std::size_t>(n));
  return a;
}

struct Answer {
  int connect_errno = 0;  // 0: connected
  std::string text;
};

// Connects as `who` in a forked child (groups, gid, then uid dropped) and sends `request`.
Answer ask_as(const Account& who, const std::string& path, const std::string& request) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return {EIO, "pipe failed"};
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipefd[0]);
    if (::setgroups(who.groups.size(), who.groups.data()) != 0 || ::setgid(who.gid) != 0 ||
        ::setuid(who.uid) != 0) {
      ::_exit(2);
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      out = "E" + std::to_string(errno);
    } else {
      out = "C";
      (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      char buf[4096];
      pollfd p{fd, POLLIN, 0};
      while (::poll(&p, 1, 3000) > 0) {
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
    (void)!::write(pipefd[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (out.empty()) return {EIO, "child failed to switch user"};
  if (out[0] == 'E') return {std::stoi(out.substr(1)), ""};
  return {0, out.substr(1)};
}

class FakeDaemon final : public ControlApi {
 public:
  DaemonStatus status() override {
    DaemonStatus s;
    s.version = "test";
    s.mode = mode;
    return s;
  }
  void set_mode(Mode m) override { mode = m; }
  Mode mode = Mode::kObserve;
};

class ControlSocketUsers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "creating system users needs root";
    if (::access("/usr/sbin/useradd", X_OK) != 0) GTEST_SKIP() << "useradd missing (passwd)";
    // Short, unique names (system names are at most 32 characters).
    const std::string tag = "augt" + std::to_string(::getpid());
    group_ = tag + "g";
    member_ = tag + "m";
    outsider_ = tag + "o";
    ASSERT_TRUE(run_retrying({"/usr/sbin/groupadd", "-r", group_}, dir_));
    made_group_ = true;
    // -U: each user has its own primary group, so the member's link is the supplementary one.
    ASSERT_TRUE(run_retrying(
        {"/usr/sbin/useradd", "-r", "-M", "-U", "-s", "/usr/sbin/nologin", "-G", group_, member_},
        dir_));
    made_member_ = true;
    ASSERT_TRUE(run_retrying(
        {"/usr/sbin/useradd", "-r", "-M", "-U", "-s", "/usr/sbin/nologin", outsider_}, dir_));
    made_outsider_ = true;

    // As /run/augur: root-owned, 0755, so only the socket's own mode keeps anyone out.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
    ControlServerOptions o;
    o.socket_path = socket_;
    o.group = group_;
    auto s = ControlServer::start(o, [this](std::string_view line, const PeerCredentials& peer) {
      return handle_control_request(line, peer, api_);
    });
    ASSERT_TRUE(s) << s.error().message();
    server_ = std::move(s).value();
  }
  void TearDown() override {
    server_.reset();
    if (made_member_) run_retrying({"/usr/sbin/userdel", member_}, dir_);
    if (made_outsider_) run_retrying({"/usr/sbin/userdel", outsider_}, dir_);
    if (made_group_) run_retrying({"/usr/sbin/groupdel", group_}, dir_);
  }

  TempDir dir_;
  std::string socket_ = dir_.file("augur.sock");
  std::string group_, member_, outsider_;
  bool made_group_ = false, made_member_ = false, made_outsider_ = false;
  FakeDaemon api_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlSocketUsers, TheSocketIsRootAndTheGroup0660) {
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  const group* g = ::getgrnam(group_.c_str());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, g->gr_gid);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(ControlSocketUsers, AMemberByASupplementaryGroupIsServed) {
  auto member = lookup(member_);
  ASSERT_TRUE(member);
  const group* g = ::getgrnam(group_.c_str());
  ASSERT_NE(g, nullptr);
  ASSERT_NE(member->gid, g->gr_gid) << "the member's primary group must be its own";
  const Answer a = ask_as(*member, socket_, "{\"verb\":\"mode\",\"mode\":\"enforce\"}\n");
  EXPECT_EQ(a.connect_errno, 0);
  EXPECT_NE(a.text.find("\"ok\":true"), std::string::npos) << a.text;
  EXPECT_EQ(api_.mode, Mode::kEnforce);
  EXPECT_EQ(server_->refused_peers(), 0u);
}

TEST_F(ControlSocketUsers, AnOutsiderIsRefusedByTheSocketsMode) {
  auto outsider = lookup(outsider_);
  ASSERT_TRUE(outsider);
  const Answer a = ask_as(*outsider, socket_, "{\"verb\":\"status\"}\n");
  EXPECT_EQ(a.connect_errno, EACCES) << a.text;
  EXPECT_EQ(server_->refused_peers(), 0u);  // the kernel refused it; the server never saw it
}

TEST_F(ControlSocketUsers, AnOutsiderIsRefusedByThePeerCheckWhenTheModeIsWidened) {
  ASSERT_EQ(::chmod(socket_.c_str(), 0666), 0);
  auto outsider = lookup(outsider_);
  ASSERT_TRUE(outsider);
  const Answer a = ask_as(*outsider, socket_, "{\"verb\":\"mode\",\"mode\":\"enforce\"}\n");
  EXPECT_EQ(a.connect_errno, 0);
  EXPECT_NE(a.text.find("permission denied: root or group " + group_ + " required"),
            std::string::npos)
      << a.text;
  EXPECT_EQ(api_.mode, Mode::kObserve);
  EXPECT_EQ(server_->refused_peers(), 1u);
  // The member is still served on the same socket: the check tells them apart.
  auto member = lookup(member_);
  ASSERT_TRUE(member);
  EXPECT_NE(ask_as(*member, socket_, "{\"verb\":\"status\"}\n").text.find("\"ok\":true"),
            std::string::npos);
}

}  // namespace
}  // namespace augur::daemon
