// The real augurd binary under a stand-in for systemd: NOTIFY_SOCKET and WATCHDOG_USEC point
// at a datagram socket this test owns; signals are sent as systemctl would send them.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "test_process.h"

namespace augur::testing {
namespace {
using namespace std::chrono_literals;

std::string good_config(const TempDir& dir) {
  return "daemon:\n"
         "  runtime_dir: " +
         dir.file("run") +
         "\n"
         "  state_dir: " +
         dir.file("state") +
         "\n"
         "log:\n"
         "  level: debug\n"
         "  target: stderr\n"
         "discovery:\n"
         "  libvirt:\n"
         "    enabled: false\n"
         "sampling:\n"
         "  interval: 100ms\n"
         "control:\n"
         "  enabled: false\n"
         "metrics:\n"
         "  enabled: false\n";
}

struct Daemon {
  explicit Daemon(const TempDir& dir, std::vector<std::string> env = {}, const char* tag = "a")
      : notify(dir.file(std::string("notify-") + tag)),
        err_path(dir.file(std::string("stderr-") + tag)) {
    env.push_back("NOTIFY_SOCKET=" + notify.path());
    child.emplace(std::vector<std::string>{AUGURD_PATH, "--config", dir.file("augur.yaml")}, env,
                  dir.file(std::string("stdout-") + tag), err_path);
  }
  NotifySocket notify;
  std::string err_path;
  std::optional<Child> child;
};

TEST(AugurdLifecycle, SendsReadyThenStoppingAndExitsZeroOnSigterm) {
  TempDir dir;
  write_file(dir.file("augur.yaml"), good_config(dir));
  Daemon d(dir);
  ASSERT_TRUE(d.notify.wait_for("READY=1", 10s)) << read_file(d.err_path);
  const auto before = std::chrono::steady_clock::now();
  d.child->signal(SIGTERM);
  EXPECT_TRUE(d.notify.wait_for("STOPPING=1", 5s));
  auto code = d.child->wait_exit(5s);
  ASSERT_TRUE(code.has_value()) << "augurd did not exit within 5 s of SIGTERM";
  EXPECT_EQ(*code, 0) << read_file(d.err_path);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
}

TEST(AugurdLifecycle, PingsTheWatchdogAtHalfOfWatchdogUsec) {
  TempDir dir;
  write_file(dir.file("augur.yaml"), good_config(dir));
  Daemon d(dir, {"WATCHDOG_USEC=400000"});
  ASSERT_TRUE(d.notify.wait_for("READY=1", 10s)) << read_file(d.err_path);
  // Two pings within 1.5 s: at half of 400 ms they come every ~200 ms.
  EXPECT_TRUE(d.notify.wait_for("WATCHDOG=1", 1500ms));
  EXPECT_TRUE(d.notify.wait_for("WATCHDOG=1", 1500ms));
  d.child->signal(SIGTERM);
  EXPECT_EQ(d.child->wait_exit(5s), 0);
}

TEST(AugurdLifecycle, SighupWithABadConfigKeepsRunningOnTheOldOne) {
  TempDir dir;
  write_file(dir.file("augur.yaml"), good_config(dir));
  Daemon d(dir);
  ASSERT_TRUE(d.notify.wait_for("READY=1", 10s)) << read_file(d.err_path);
  write_file(dir.file("augur.yaml"), good_config(dir) + "bogus_section: 1\n");
  d.child->signal(SIGHUP);
  std::vector<std::string> seen;
  EXPECT_TRUE(d.notify.wait_for("RELOADING=1", 5s, &seen));
  EXPECT_TRUE(d.notify.wait_for("READY=1", 5s, &seen));
  EXPECT_TRUE(d.child->running());
  const std::string err = read_file(d.err_path);
  EXPECT_NE(err.find("reload rejected"), std::string::npos) << err;
  EXPECT_NE(err.find(dir.file("augur.yaml") + ":16:1: unknown key 'bogus_section'"),
            std::string::npos)
      << err;
  // A good file is then accepted.
  write_file(dir.file("augur.yaml"), good_config(dir));
  d.child->signal(SIGHUP);
  EXPECT_TRUE(d.notify.wait_for("READY=1", 5s));
  d.child->signal(SIGTERM);
  EXPECT_EQ(d.child->wait_exit(5s), 0);
  EXPECT_NE(read_file(d.err_path).find("configuration reloaded"), std::string::npos);
}

// A reload applies the plan section and says which other changes wait for a restart.
TEST(AugurdLifecycle, SighupNamesTheChangesThatWaitForARestart) {
  TempDir dir;
  write_file(dir.file("augur.yaml"), good_config(dir));
  Daemon d(dir);
  ASSERT_TRUE(d.notify.wait_for("READY=1", 10s)) << read_file(d.err_path);
  write_file(dir.file("augur.yaml"), good_config(dir) +
                                         "predict:\n  k: 7\n"
                                         "drift:\n  end_hold_ticks: 9\n"
                                         "plan:\n  cpu: {min: 0.5, max: 4}\n");
  d.child->signal(SIGHUP);
  std::vector<std::string> seen;
  EXPECT_TRUE(d.notify.wait_for("RELOADING=1", 5s, &seen));
  EXPECT_TRUE(d.notify.wait_for("READY=1", 5s, &seen));
  d.child->signal(SIGTERM);
  EXPECT_EQ(d.child->wait_exit(5s), 0);
  const std::string err = read_file(d.err_path);
  EXPECT_NE(err.find("predict changed: takes effect at restart"), std::string::npos) << err;
  EXPECT_NE(err.find("drift changed: takes effect at restart"), std::string::npos) << err;
  EXPECT_EQ(err.find("plan changed"), std::string::npos) << "the plan section is reloaded\n" << err;
  EXPECT_EQ(err.find("sampling (other than interval) changed"), std::string::npos) << err;
  EXPECT_NE(err.find("configuration reloaded"), std::string::npos) << err;
}

TEST(AugurdLifecycle, SecondInstanceRefusesToStartWhileTheFirstRuns) {
  TempDir dir;
  write_file(dir.file("augur.yaml"), good_config(dir));
  Daemon first(dir, {}, "first");
  ASSERT_TRUE(first.notify.wait_for("READY=1", 10s)) << read_file(first.err_path);
  Daemon second(dir, {}, "second");
  auto code = second.child->wait_exit(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 75);  // EX_TEMPFAIL
  EXPECT_NE(read_file(second.err_path)
                .find("another augurd is already running (pid " +
                      std::to_string(first.child->pid()) + ")"),
            std::string::npos)
      << read_file(second.err_path);
  EXPECT_TRUE(first.child->running());
  first.child->signal(SIGTERM);
  EXPECT_EQ(first.child->wait_exit(5s), 0);
}

TEST(AugurdCheckConfig, ExitsZeroForAValidFile) {
  TempDir dir;
  write_file(dir.file("augur.yaml"), good_config(dir));
  EXPECT_EQ(run_to_exit({AUGURD_PATH, "--config", dir.file("augur.yaml"), "--check-config"},
                        dir.file("out"), dir.file("err")),
            0);
  EXPECT_NE(read_file(dir.file("out")).find("configuration is valid"), std::string::npos);
}

TEST(AugurdCheckConfig, Exits78AndPrintsEveryErrorForAnInvalidFile) {
  TempDir dir;
  write_file(dir.file("augur.yaml"),
             "sampling:\n  intervall: 1s\ndrift:\n  threshold_quantile: 7\n");
  EXPECT_EQ(run_to_exit({AUGURD_PATH, "--config", dir.file("augur.yaml"), "--check-config"},
                        dir.file("out"), dir.file("err")),
            78);
  const std::string err = read_file(dir.file("err"));
  EXPECT_NE(err.find(dir.file("augur.yaml") + ":2:3:"), std::string::npos) << err;
  EXPECT_NE(err.find(dir.file("augur.yaml") + ":4:23:"), std::string::npos) << err;
}

TEST(AugurdCheckConfig, TheShippedDefaultConfigIsValid) {
  TempDir dir;
  EXPECT_EQ(run_to_exit(
                {AUGURD_PATH, "--config", AUGUR_SOURCE_DIR "/config/augur.yaml", "--check-config"},
                dir.file("out"), dir.file("err")),
            0)
      << read_file(dir.file("err"));
}

TEST(Augurd, PrintsItsVersion) {
  TempDir dir;
  EXPECT_EQ(run_to_exit({AUGURD_PATH, "--version"}, dir.file("out"), dir.file("err")), 0);
  EXPECT_EQ(read_file(dir.file("out")).rfind("augurd ", 0), 0u);
}

}  // namespace
}  // namespace augur::testing
