// The SQLite store under real faults: a real tmpfs that fills up (ENOSPC from the kernel,
// then space returns by a remount), and a writer process SIGKILLed in the middle of its
// writes, again and again. What must hold: every write the store acknowledged is there
// afterwards, the file passes PRAGMA integrity_check, and it reopens without being moved
// aside.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "../daemon/test_process.h"
#include "augur/store/sqlite_store.h"
#include "fault_records.h"
#include "sqlite_check.h"
#include "tmpfs_mount.h"

namespace augur::testing::faults {
namespace {

using namespace std::chrono_literals;

store::SqliteStoreOptions options(const std::string& path) {
  store::SqliteStoreOptions o;
  o.path = path;
  o.host_id = "faults";
  return o;
}

TEST(StoreFaults, AFullTmpfsIsENOSPCKeepsEveryCommittedRecordAndWritesResumeWithSpace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  TmpfsMount disk("512k");
  if (!disk.error().empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  const std::string path = disk.path() + "/augur.db";
  std::size_t acknowledged = 0;
  {
    auto opened = store::open_sqlite_store(options(path));
    ASSERT_TRUE(opened) << opened.error().message();
    store::LocalStore& s = *opened->store;
    Result<std::string> last = std::string();
    while (last && acknowledged < 5000) {
      last = s.append_change(change("r" + std::to_string(acknowledged)));
      if (last) ++acknowledged;
    }
    ASSERT_FALSE(last) << "512 KiB never filled";
    std::printf("[ faults ] tmpfs of 512 KiB full after %zu records: %s\n", acknowledged,
                last.error().message().c_str());
    EXPECT_EQ(last.error().errno_value, ENOSPC) << last.error().message();
    EXPECT_NE(last.error().message().find("full"), std::string::npos) << last.error().message();
    // Full: further writes fail the same clean way, reads still work.
    for (int i = 0; i < 3; ++i) {
      auto again = s.append_change(change("x"));
      ASSERT_FALSE(again);
      EXPECT_EQ(again.error().errno_value, ENOSPC) << again.error().message();
    }
    auto counts = s.count_rows();
    ASSERT_TRUE(counts) << counts.error().message();
    EXPECT_EQ(counts->changes, acknowledged);

    // Space returns: the same store, without reopening, writes again.
    ASSERT_TRUE(disk.resize("4m")) << std::strerror(errno);
    auto after = s.append_change(change("after"));
    ASSERT_TRUE(after) << after.error().message();
    ++acknowledged;
  }
  EXPECT_EQ(integrity_check(path), "ok");
  EXPECT_EQ(query_number(path, "SELECT count(*) FROM changes"),
            static_cast<long long>(acknowledged));
  auto reopened = store::open_sqlite_store(options(path));
  ASSERT_TRUE(reopened) << reopened.error().message();
  EXPECT_FALSE(reopened->moved_aside) << reopened->moved_aside->reason;
}

// A child appends records as fast as it can and reports each acknowledged one through a
// pipe; the parent SIGKILLs it after a random 5-60 ms, checks the file, and starts the next
// round on the same file.
TEST(StoreFaults, SigkillDuringWritesLosesNoAcknowledgedRecordAndLeavesTheFileConsistent) {
  TempDir dir;
  const std::string path = dir.file("augur.db");
  std::mt19937 rng(20261129);
  std::uniform_int_distribution<int> delay_ms(5, 60);
  constexpr int kRounds = 12;
  long long total_acknowledged = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto opened = store::open_sqlite_store(options(path));
      if (!opened || opened->moved_aside) ::_exit(3);
      for (std::uint32_t i = 0;; ++i) {
        if (!opened->store->append_change(
                change("k" + std::to_string(round) + "-" + std::to_string(i) + "|"))) {
          ::_exit(4);
        }
        if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(5);
      }
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    long long acknowledged = 0;
    std::uint32_t seq = 0;
    while (::read(fds[0], &seq, sizeof seq) == sizeof seq) acknowledged = seq + 1LL;
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited " << WEXITSTATUS(status)
                                     << " before the kill (3: store moved aside or unopenable)";
    // What is on disk right after the kill, hot journal and all.
    ASSERT_EQ(integrity_check(path), "ok") << "round " << round;
    const long long stored = query_number(
        path, "SELECT count(*) FROM changes WHERE reason LIKE 'k" + std::to_string(round) + "-%'");
    // Everything acknowledged is there; at most the one in flight is there unacknowledged.
    EXPECT_GE(stored, acknowledged) << "round " << round << ": acknowledged records lost";
    EXPECT_LE(stored, acknowledged + 1) << "round " << round;
    total_acknowledged += acknowledged;
  }
  auto reopened = store::open_sqlite_store(options(path));
  ASSERT_TRUE(reopened) << reopened.error().message();
  EXPECT_FALSE(reopened->moved_aside) << reopened->moved_aside->reason;
  auto counts = reopened->store->count_rows();
  ASSERT_TRUE(counts) << counts.error().message();
  EXPECT_GE(static_cast<long long>(counts->changes), total_acknowledged);
  std::printf("[ faults ] %d writers SIGKILLed mid-write: %lld acknowledged records, %zu stored\n",
              kRounds, total_acknowledged, counts->changes);
  EXPECT_GT(total_acknowledged, kRounds) << "the writers had no time to write: nothing was shown";
}

}  // namespace
}  // namespace augur::testing::faults
