#include "augur/daemon/command_line.h"

#include <gtest/gtest.h>

#include <vector>

namespace augur::daemon {
namespace {

auto parse(std::vector<const char*> args) {
  args.insert(args.begin(), "augurd");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(CommandLine, DefaultsToTheSystemConfig) {
  auto cl = parse({});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->config_path, "/etc/augur/augur.yaml");
  EXPECT_FALSE(cl->check_config);
  EXPECT_FALSE(cl->log_level.has_value());
}

TEST(CommandLine, ReadsConfigCheckAndLogLevel) {
  auto cl = parse({"--config", "/tmp/a.yaml", "--check-config", "--log-level", "debug"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->config_path, "/tmp/a.yaml");
  EXPECT_TRUE(cl->check_config);
  EXPECT_EQ(cl->log_level, "debug");
}

TEST(CommandLine, UnknownOptionIsAUsageError) {
  auto cl = parse({"--daemonize"});
  ASSERT_FALSE(cl);
  EXPECT_EQ(cl.error().code, kExitUsage);
}

}  // namespace
}  // namespace augur::daemon
