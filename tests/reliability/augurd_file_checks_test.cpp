// The real augurd refuses to start, with exit 77 (EX_NOPERM) and a message naming the file and
// its mode, when others can write its config, state directory or store; and refuses a reload
// of a config file that became world-writable.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "../daemon/test_process.h"

namespace augur::testing {
namespace {
using namespace std::chrono_literals;

constexpr int kExitNoPerm = 77;

std::string config_text(const TempDir& dir) {
  return "daemon:\n  runtime_dir: " + dir.file("run") + "\n  state_dir: " + dir.file("state") +
         "\nlog:\n  target: stderr\ndiscovery:\n  libvirt:\n    enabled: false\n"
         "sampling:\n  interval: 100ms\ncontrol:\n  enabled: false\nmetrics:\n  enabled: false\n";
}

class AugurdFileChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(config, config_text(dir));
    ASSERT_EQ(::chmod(config.c_str(), 0644), 0);
  }
  // Runs augurd to its exit (it should not start); returns the exit code, stderr in `err`.
  int run_augurd(std::string& err) {
    const int code =
        run_to_exit({AUGURD_PATH, "--config", config}, dir.file("stdout"), dir.file("stderr"));
    err = read_file(dir.file("stderr"));
    return code;
  }
  TempDir dir;
  std::string config = dir.file("augur.yaml");
};

TEST_F(AugurdFileChecks, AWorldWritableConfigFileIsRefusedBeforeItIsRead) {
  ASSERT_EQ(::chmod(config.c_str(), 0666), 0);
  std::string err;
  EXPECT_EQ(run_augurd(err), kExitNoPerm) << err;
  EXPECT_NE(err.find("augurd: refusing to start: config file " + config +
                     " is world-writable (mode 0666"),
            std::string::npos)
      << err;
  // Nothing was started: no runtime or state directory was made.
  EXPECT_NE(::access(dir.file("run").c_str(), F_OK), 0);
}

TEST_F(AugurdFileChecks, AConfigFileWritableByAnotherGroupIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "chgrp to another group needs root";
  ASSERT_EQ(::chown(config.c_str(), 0, 65534), 0);
  ASSERT_EQ(::chmod(config.c_str(), 0664), 0);
  std::string err;
  EXPECT_EQ(run_augurd(err), kExitNoPerm) << err;
  EXPECT_NE(err.find("is writable by group 65534 (mode 0664"), std::string::npos) << err;
}

TEST_F(AugurdFileChecks, AWorldWritableStateDirectoryIsRefused) {
  ASSERT_EQ(::mkdir(dir.file("state").c_str(), 0750), 0);
  ASSERT_EQ(::chmod(dir.file("state").c_str(), 0777), 0);
  std::string err;
  EXPECT_EQ(run_augurd(err), kExitNoPerm) << err;
  EXPECT_NE(err.find("refusing to start: state directory " + dir.file("state") +
                     " is world-writable (mode 0777"),
            std::string::npos)
      << err;
}

TEST_F(AugurdFileChecks, AWorldWritableStoreFileIsRefused) {
  ASSERT_EQ(::mkdir(dir.file("state").c_str(), 0750), 0);
  const std::string store = dir.file("state/augur.db");
  write_file(store, "");
  ASSERT_EQ(::chmod(store.c_str(), 0666), 0);
  std::string err;
  EXPECT_EQ(run_augurd(err), kExitNoPerm) << err;
  EXPECT_NE(err.find("refusing to start: store file " + store + " is world-writable (mode 0666"),
            std::string::npos)
      << err;
}

TEST_F(AugurdFileChecks, AReloadOfAConfigFileMadeWorldWritableIsRejected) {
  NotifySocket notify(dir.file("notify"));
  Child child({AUGURD_PATH, "--config", config}, {"NOTIFY_SOCKET=" + notify.path()},
              dir.file("stdout"), dir.file("stderr"));
  ASSERT_TRUE(notify.wait_for("READY=1", 10s)) << read_file(dir.file("stderr"));
  ASSERT_EQ(::chmod(config.c_str(), 0666), 0);
  child.signal(SIGHUP);
  EXPECT_TRUE(notify.wait_for("RELOADING=1", 5s));
  EXPECT_TRUE(notify.wait_for("READY=1", 5s));
  EXPECT_TRUE(child.running());
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = read_file(dir.file("stderr"));
  EXPECT_NE(err.find("reload rejected"), std::string::npos) << err;
  EXPECT_NE(err.find("config file " + config + " is world-writable (mode 0666"), std::string::npos)
      << err;
}

}  // namespace
}  // namespace augur::testing
