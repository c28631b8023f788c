#include "augur/daemon/instance_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace augur::daemon {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/augur-lock-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(InstanceLock, SecondHolderIsRefusedWithTheFirstHoldersPid) {
  const std::string dir = temp_dir();
  auto first = InstanceLock::acquire(dir);
  ASSERT_TRUE(first) << first.error().message();
  // flock is per open file description, so a second open in this process contends too.
  auto second = InstanceLock::acquire(dir);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().errno_value, EWOULDBLOCK);
  EXPECT_NE(second.error().what.find("already running (pid " + std::to_string(getpid()) + ")"),
            std::string::npos)
      << second.error().message();
  std::filesystem::remove_all(dir);
}

TEST(InstanceLock, ReleasedWhenTheHolderGoesAway) {
  const std::string dir = temp_dir();
  {
    auto first = InstanceLock::acquire(dir);
    ASSERT_TRUE(first);
  }
  EXPECT_TRUE(InstanceLock::acquire(dir));
  std::filesystem::remove_all(dir);
}

TEST(InstanceLock, MissingDirectoryIsAnErrorNamingThePath) {
  auto lock = InstanceLock::acquire("/nonexistent/augur");
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().where, "/nonexistent/augur/augurd.lock");
  EXPECT_EQ(lock.error().errno_value, ENOENT);
}

}  // namespace
}  // namespace augur::daemon
