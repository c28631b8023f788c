#include "augur/host/open_file.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "temp_tree.h"

namespace augur::host {
namespace {

TEST(OpenFile, RereadsNewContentFromOffsetZeroWithOneSyscall) {
  augur::testing::TempTree t;
  t.make_file("memory.current", "100\n");
  auto f = OpenFile::open(t.path("memory.current"));
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ(f->read().value(), "100\n");
  EXPECT_EQ(f->last_read_syscalls(), 1);
  t.make_file("memory.current", "2000\n");
  EXPECT_EQ(f->read().value(), "2000\n");
  EXPECT_EQ(f->last_read_syscalls(), 1);
}

TEST(OpenFile, GrowsItsBufferForLargeFilesThenReadsThemInOneSyscall) {
  augur::testing::TempTree t;
  std::string big;
  for (int i = 0; i < 3000; ++i) big += "key" + std::to_string(i) + " " + std::to_string(i) + "\n";
  ASSERT_GT(big.size(), 16384u);
  t.make_file("memory.stat", big);
  auto f = OpenFile::open(t.path("memory.stat"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->read().value(), big);
  EXPECT_GT(f->last_read_syscalls(), 1);
  EXPECT_EQ(f->read().value(), big);
  EXPECT_EQ(f->last_read_syscalls(), 1);
}

TEST(OpenFile, RereadsARealProcFileThroughTheSameFd) {
  auto f = OpenFile::open("/proc/self/schedstat");
  ASSERT_TRUE(f.has_value()) << f.error().message();
  const std::string first(f->read().value());
  volatile std::uint64_t spin = 0;
  for (int i = 0; i < 20'000'000; ++i) spin = spin + 1;
  // sum_exec_runtime of a running task is brought up to date at a context switch.
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string second(f->read().value());
  EXPECT_EQ(f->last_read_syscalls(), 1);
  EXPECT_NE(first, second) << "run time must have grown";
}

TEST(OpenFile, MissingFileIsGoneWithTheErrnoAndPath) {
  auto f = OpenFile::open("/nonexistent/augur/cpu.stat");
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().errno_value, ENOENT);
  EXPECT_EQ(f.error().where, "/nonexistent/augur/cpu.stat");
  EXPECT_TRUE(is_gone(f.error()));
}

TEST(OpenFile, ReadOfAnExitedThreadsFileIsGoneOrEmpty) {
  std::atomic<pid_t> tid{0};
  std::atomic<bool> opened{false};
  std::thread worker([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    while (!opened) std::this_thread::yield();
  });
  while (tid == 0) std::this_thread::yield();
  auto f = OpenFile::open("/proc/self/task/" + std::to_string(tid) + "/schedstat");
  opened = true;
  worker.join();
  ASSERT_TRUE(f.has_value()) << f.error().message();
  auto content = f->read();
  if (content) {
    EXPECT_TRUE(content->empty()) << *content;
  } else {
    EXPECT_TRUE(is_gone(content.error())) << content.error().message();
  }
}

TEST(OpenFile, MoveTransfersTheFd) {
  augur::testing::TempTree t;
  t.make_file("a", "1\n");
  auto f = OpenFile::open(t.path("a"));
  ASSERT_TRUE(f.has_value());
  OpenFile g = std::move(*f);
  EXPECT_FALSE(f->is_open());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(g.is_open());
  EXPECT_EQ(g.read().value(), "1\n");
  EXPECT_FALSE(f->read().has_value());
}

}  // namespace
}  // namespace augur::host
