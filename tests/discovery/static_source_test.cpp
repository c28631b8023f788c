#include "augur/discovery/static_source.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>

namespace augur::discovery {
namespace {

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string s;
  std::getline(in, s);
  return s;
}

bool contains(const std::vector<pid_t>& v, pid_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A second thread, so "all threads" is checked beyond the main one.
class WithThread : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = std::thread([this] {
      tid_ = static_cast<pid_t>(::syscall(SYS_gettid));
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
    while (tid_ == 0) std::this_thread::yield();
  }
  void TearDown() override {
    stop_ = true;
    worker_.join();
  }
  std::thread worker_;
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> stop_{false};
};

TEST_F(WithThread, FindsOwnProcessByNameWithAllThreads) {
  const std::string comm = own_comm();
  ASSERT_FALSE(comm.empty());
  auto source = StaticSource::create(
      {{.name = "self", .process_name = "^" + comm + "$", .pid = 0, .app_type = "test"}});
  ASSERT_TRUE(source) << source.error().message();
  auto found = source->discover();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 1u);
  const Instance& self = (*found)[0];
  EXPECT_EQ(self.id, "static:self");
  EXPECT_EQ(self.kind, InstanceKind::kProcess);
  EXPECT_EQ(self.app_type, "test");
  EXPECT_TRUE(contains(self.thread_ids, ::getpid()));
  EXPECT_TRUE(contains(self.thread_ids, tid_.load()));
  EXPECT_GT(self.main_pid, 0);
  EXPECT_FALSE(self.cgroups.empty());
}

TEST_F(WithThread, FindsFixedPidWithAllThreads) {
  auto source =
      StaticSource::create({{.name = "me", .process_name = "", .pid = ::getpid(), .app_type = ""}});
  ASSERT_TRUE(source) << source.error().message();
  auto found = source->discover();
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].main_pid, ::getpid());
  EXPECT_TRUE(contains((*found)[0].thread_ids, tid_.load()));
}

TEST(StaticSource, EntryMatchingNothingGivesNoInstance) {
  auto source = StaticSource::create(
      {{.name = "ghost", .process_name = "^augur-no-such-process-xyz$", .pid = 0, .app_type = ""}});
  ASSERT_TRUE(source);
  auto found = source->discover();
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
}

TEST(StaticSource, RejectsBadRegexAndEmptyEntry) {
  EXPECT_FALSE(
      StaticSource::create({{.name = "bad", .process_name = "([", .pid = 0, .app_type = ""}}));
  EXPECT_FALSE(
      StaticSource::create({{.name = "empty", .process_name = "", .pid = 0, .app_type = ""}}));
}

}  // namespace
}  // namespace augur::discovery
