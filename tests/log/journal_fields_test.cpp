// journald does not run on this machine: the child binds a datagram socket at the journal's
// native socket path inside a private mount namespace, logs through the real sink, and sends
// what arrived back to the test through a pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "augur/log/log.h"

namespace augur::log {
namespace {

constexpr const char* kJournalDir = "/run/systemd/journal";

// Runs `body` in a child with a private /run/systemd/journal; returns the datagrams received.
std::vector<std::string> capture_journal(void (*body)()) {
  int pipefd[2];
  EXPECT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  if (child == 0) {
    close(pipefd[0]);
    auto fail = [&](const char* what) {
      dprintf(pipefd[1], "ERROR %s: %s", what, strerror(errno));
      _exit(1);
    };
    if (unshare(CLONE_NEWNS) != 0) fail("unshare");
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("make-private");
    mkdir("/run", 0755);
    mkdir("/run/systemd", 0755);
    mkdir(kJournalDir, 0755);
    if (mount("tmpfs", kJournalDir, "tmpfs", 0, "mode=0755") != 0) fail("mount tmpfs");
    int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/socket", kJournalDir);
    if (bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fail("bind");
    body();
    // Collect whatever arrived; each datagram is framed by its length.
    std::vector<char> buf(1 << 16);
    for (;;) {
      ssize_t n = recv(sock, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n <= 0) break;
      std::string frame = std::to_string(n) + "\n" + std::string(buf.data(), n);
      (void)!::write(pipefd[1], frame.data(), frame.size());
    }
    _exit(0);
  }
  close(pipefd[1]);
  std::string all;
  char chunk[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], chunk, sizeof(chunk))) > 0) all.append(chunk, n);
  close(pipefd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << all;
  std::vector<std::string> datagrams;
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) break;
    std::size_t len = std::stoul(all.substr(pos, nl - pos));
    datagrams.push_back(all.substr(nl + 1, len));
    pos = nl + 1 + len;
  }
  return datagrams;
}

// journald's native protocol for fields without newlines: KEY=value\n per field.
std::map<std::string, std::string> fields_of(const std::string& datagram) {
  std::map<std::string, std::string> out;
  std::istringstream in(datagram);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

TEST(JournalSink, SendsMessagePriorityIdentifierAndStructuredFields) {
  auto datagrams = capture_journal([] {
    init({Level::kInfo, Target::kJournal, "augurd-test"});
    write(Level::kWarn, "drift episode started",
          {{"INSTANCE", "web-1"}, {"RESOURCE", "cpu"}, {"DRIFT_SCORE", "4.25"}});
  });
  ASSERT_EQ(datagrams.size(), 1u);
  auto f = fields_of(datagrams[0]);
  EXPECT_EQ(f["MESSAGE"], "drift episode started");
  EXPECT_EQ(f["PRIORITY"], "4");  // LOG_WARNING
  EXPECT_EQ(f["SYSLOG_IDENTIFIER"], "augurd-test");
  EXPECT_EQ(f["INSTANCE"], "web-1");
  EXPECT_EQ(f["RESOURCE"], "cpu");
  EXPECT_EQ(f["DRIFT_SCORE"], "4.25");
}

TEST(JournalSink, DropsRecordsBelowTheLevelAndInvalidFieldKeys) {
  auto datagrams = capture_journal([] {
    init({Level::kWarn, Target::kJournal, "augurd-test"});
    write(Level::kInfo, "not sent");
    write(Level::kError, "sent", {{"lower_case", "x"}, {"_TRUSTED", "y"}, {"OK_KEY", "z"}});
  });
  ASSERT_EQ(datagrams.size(), 1u);
  auto f = fields_of(datagrams[0]);
  EXPECT_EQ(f["MESSAGE"], "sent");
  EXPECT_EQ(f["PRIORITY"], "3");
  EXPECT_EQ(f.count("lower_case"), 0u);
  EXPECT_EQ(f.count("_TRUSTED"), 0u);
  EXPECT_EQ(f["OK_KEY"], "z");
}

}  // namespace
}  // namespace augur::log
