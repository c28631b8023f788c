// The real augurd's store under faults: a corrupt store file at start, a SIGKILL and a
// restart, and a state directory on a real tmpfs that is full. The sampler keeps its tick,
// what was committed before the fault is restored after it, and each fault is reported once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "augurd_rig.h"
#include "sqlite_check.h"
#include "tmpfs_mount.h"

namespace augur::testing::faults {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

long long baselines(const std::string& db) {
  return query_number(db, "SELECT count(*) FROM baselines");
}

// Files next to the store that a move-aside would leave.
std::vector<std::string> aside_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (name.find(".corrupt-") != std::string::npos || name.find(".newer-") != std::string::npos) {
      out.push_back(name);
    }
  }
  return out;
}

// Runs for `how_long` and returns the ticks served (-1 if the daemon did not answer).
long long run_for(const AugurdRig& rig, std::chrono::milliseconds how_long) {
  const long long t0 = rig.ticks();
  std::this_thread::sleep_for(how_long);
  const long long t1 = rig.ticks();
  return t0 < 0 || t1 < 0 ? -1 : t1 - t0;
}

TEST(AugurdStoreFaults, ACorruptStoreIsMovedAsideReportedOnceAndTheDaemonRunsOnAFreshOne) {
  AugurdRig rig;
  fs::create_directories(rig.state_dir());
  ::chmod(rig.state_dir().c_str(), 0750);
  {
    std::ofstream out(rig.store_path(), std::ios::binary);
    for (int i = 0; i < 500; ++i) out << "not a database, line " << i << "\n";
  }
  ::chmod(rig.store_path().c_str(), 0600);
  const auto garbage_size = fs::file_size(rig.store_path());
  ASSERT_TRUE(rig.start()) << rig.log();
  const long long ticks = run_for(rig, 1500ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();
  const std::string log = rig.log();
  const std::string report = lines_with(log, "was corrupt");
  std::printf("%s", report.c_str());
  EXPECT_GE(ticks, 12) << "ticks in 1.5 s at 100 ms";
  EXPECT_EQ(count(log, "was corrupt"), 1u) << "reported once\n" << log;
  EXPECT_NE(report.find("warning"), std::string::npos) << log;
  const auto aside = aside_files(rig.state_dir());
  ASSERT_EQ(aside.size(), 1u) << log;
  EXPECT_NE(report.find(aside[0]), std::string::npos) << "the report names where it went\n" << log;
  EXPECT_EQ(fs::file_size(rig.state_dir() + "/" + aside[0]), garbage_size) << "kept as it was";
  EXPECT_EQ(integrity_check(rig.store_path()), "ok");
  EXPECT_GT(baselines(rig.store_path()), 0) << "the fresh store took the baselines at stop";
}

TEST(AugurdStoreFaults, SigkilledAndRestartedItReopensTheSameStoreWithWhatWasCommitted) {
  AugurdRig rig;
  ASSERT_TRUE(rig.start()) << rig.log();
  std::this_thread::sleep_for(1500ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();
  const long long committed = baselines(rig.store_path());
  ASSERT_GT(committed, 0) << "a clean stop saves the baselines\n" << rig.log();

  ASSERT_TRUE(rig.start()) << rig.log();
  const long long ticks_before_kill = run_for(rig, 1200ms);
  rig.kill9();
  EXPECT_EQ(integrity_check(rig.store_path()), "ok") << "right after the SIGKILL";
  EXPECT_GE(baselines(rig.store_path()), committed);

  ASSERT_TRUE(rig.start()) << rig.log();
  const long long ticks_after_restart = run_for(rig, 1200ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();
  const std::string log = rig.log();
  std::printf(
      "[ faults ] %lld baselines committed; %lld ticks before the SIGKILL, %lld after "
      "the restart (1.2 s each)\n%s",
      committed, ticks_before_kill, ticks_after_restart, lines_with(log, "restored").c_str());
  EXPECT_EQ(count(log, "restored " + std::to_string(committed) + " baselines"), 2u)
      << "both restarts restore what the first run committed\n"
      << log;
  EXPECT_TRUE(aside_files(rig.state_dir()).empty()) << "nothing was moved aside\n" << log;
  EXPECT_EQ(count(log, "was corrupt"), 0u) << log;
  EXPECT_GE(ticks_after_restart, 9);
  EXPECT_EQ(integrity_check(rig.store_path()), "ok");
}

// Fills the file system at `dir` with one file until ENOSPC; its size.
long long fill(const std::string& dir) {
  const int fd = ::open((dir + "/filler").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return -1;
  const std::string block(4096, 'f');
  long long written = 0;
  for (;;) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    written += n;
  }
  ::close(fd);
  return written;
}

TEST(AugurdStoreFaults, AFullDiskKeepsTheTickReportsTheUnsavedBaselinesOnceAndLosesNoCommitted) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  TmpfsMount disk("2m");
  if (!disk.error().empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  RigOptions o;
  o.state_dir = disk.path() + "/state";
  AugurdRig rig(o);
  ASSERT_TRUE(rig.start()) << rig.log();
  std::this_thread::sleep_for(1500ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();
  const long long committed = baselines(rig.store_path());
  ASSERT_GT(committed, 0) << rig.log();

  ASSERT_GT(fill(disk.path()), 0);
  ASSERT_TRUE(rig.start()) << "augurd must start on a full disk\n" << rig.log();
  const long long ticks_full = run_for(rig, 1500ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();
  const std::string log_full = rig.log();

  fs::remove(disk.path() + "/filler");
  ASSERT_TRUE(rig.start()) << rig.log();
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(rig.stop(), std::optional<int>(0)) << rig.log();
  const std::string log = rig.log();
  std::printf("[ faults ] %lld baselines committed; disk full: %lld ticks in 1.5 s\n%s%s",
              committed, ticks_full, lines_with(log_full, " error ").c_str(),
              lines_with(log, "restored").c_str());
  EXPECT_GE(ticks_full, 12) << "the sampler lost its tick on a full disk";
  // The second run's stop could not save: said once, naming the cause.
  EXPECT_EQ(count(log_full, "baselines not saved"), 1u) << log_full;
  EXPECT_NE(lines_with(log_full, "baselines not saved").find("full"), std::string::npos)
      << log_full;
  EXPECT_EQ(count(log_full, "store unavailable"), 0u) << "a full disk still opens\n" << log_full;
  // What the first run committed survived, and the third run restored it.
  EXPECT_EQ(integrity_check(rig.store_path()), "ok");
  EXPECT_GE(count(log, "restored " + std::to_string(committed) + " baselines"), 2u) << log;
  EXPECT_TRUE(aside_files(rig.state_dir()).empty()) << log;
}

}  // namespace
}  // namespace augur::testing::faults
