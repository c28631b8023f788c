#include "augur/util/result.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace augur {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error{"not positive", "parse_positive", 0};
  return v;
}

TEST(Result, CarriesValueOnSuccess) {
  auto r = parse_positive(4);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 4);
  EXPECT_EQ(r.value_or(9), 4);
}

TEST(Result, CarriesErrorOnFailure) {
  auto r = parse_positive(-1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, "not positive");
  EXPECT_EQ(r.value_or(9), 9);
}

TEST(Result, VoidResultDistinguishesSuccessFromError) {
  Status ok;
  EXPECT_TRUE(ok);
  Status bad = Error{"write failed", "/sys/fs/cgroup/cpu/x/cpu.cfs_quota_us", EINVAL};
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().errno_value, EINVAL);
}

TEST(Error, MessageNamesWhatWhereAndErrno) {
  Error e{"cannot open", "/proc/1/stat", ENOENT};
  EXPECT_EQ(e.message(), "cannot open: /proc/1/stat: No such file or directory");
  EXPECT_EQ((Error{"plain", "", 0}).message(), "plain");
}

TEST(Error, ErrnoErrorCapturesCurrentErrno) {
  errno = EACCES;
  Error e = errno_error("open", "/x");
  EXPECT_EQ(e.errno_value, EACCES);
}

TEST(Result, UnexpectedConvertsIntoCustomErrorType) {
  Result<std::string, int> r = Unexpected{7};
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), 7);
}

}  // namespace
}  // namespace augur
