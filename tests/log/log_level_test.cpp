#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "augur/log/log.h"

namespace augur::log {
namespace {

TEST(LogLevel, ParsesEveryNameAndRejectsOthers) {
  for (auto l : {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError,
                 Level::kCritical, Level::kOff}) {
    auto parsed = parse_level(level_name(l));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, l);
  }
  auto bad = parse_level("verbose");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().what.find("verbose"), std::string::npos);
}

TEST(LogLevel, EnabledFollowsTheThreshold) {
  set_level(Level::kWarn);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kError));
  set_level(Level::kOff);
  EXPECT_FALSE(enabled(Level::kCritical));
  set_level(Level::kInfo);
}

TEST(StderrIsJournal, TrueOnlyWhenJournalStreamNamesOurStderr) {
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(stderr_is_journal());
  struct stat st {};
  ASSERT_EQ(fstat(STDERR_FILENO, &st), 0);
  std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  setenv("JOURNAL_STREAM", mine.c_str(), 1);
  EXPECT_TRUE(stderr_is_journal());
  setenv("JOURNAL_STREAM", "1:2", 1);
  EXPECT_FALSE(stderr_is_journal());
  unsetenv("JOURNAL_STREAM");
}

}  // namespace
}  // namespace augur::log
