// The start-up rule on files augurd trusts (config, state directory, store), on real files
// with real modes and owners: root (or augurd's uid) owns them, others cannot write them.
#include "augur/host/file_permissions.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "../daemon/test_process.h"

namespace augur::host {
namespace {

using augur::testing::TempDir;
using augur::testing::write_file;

constexpr uid_t kSomeoneElse = 65534;  // nobody

class FilePermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "chown to other users needs root";
    write_file(file, "daemon:\n  mode: observe\n");
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
    ASSERT_EQ(::mkdir(state.c_str(), 0750), 0);
  }
  std::string check(const std::string& path) {
    auto s = check_not_writable_by_others("config file", path, ::geteuid());
    return s ? "ok" : s.error().message();
  }
  TempDir dir;
  std::string file = dir.file("augur.yaml");
  std::string state = dir.file("state");
};

TEST_F(FilePermissionsTest, RootOwnedAndNotWritableByOthersIsAccepted) {
  EXPECT_EQ(check(file), "ok");
  EXPECT_EQ(check(state), "ok");
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  EXPECT_EQ(check(file), "ok");
}

TEST_F(FilePermissionsTest, WorldWritableIsRefusedNamingTheFileAndTheMode) {
  ASSERT_EQ(::chmod(file.c_str(), 0666), 0);
  EXPECT_EQ(check(file),
            "config file " + file + " is world-writable (mode 0666, owner uid 0 gid 0): chmod o-w");
  ASSERT_EQ(::chmod(state.c_str(), 0777), 0);
  auto s = check_not_writable_by_others("state directory", state, 0);
  ASSERT_FALSE(s);
  EXPECT_EQ(
      s.error().message(),
      "state directory " + state + " is world-writable (mode 0777, owner uid 0 gid 0): chmod o-w");
}

TEST_F(FilePermissionsTest, TheStickyBitDoesNotMakeAWorldWritableDirectorySafe) {
  ASSERT_EQ(::chmod(state.c_str(), 01777), 0);
  EXPECT_NE(check(state).find("is world-writable (mode 1777"), std::string::npos);
}

TEST_F(FilePermissionsTest, GroupWritableOnlyForRootsGroup) {
  ASSERT_EQ(::chmod(file.c_str(), 0664), 0);
  ASSERT_EQ(::chown(file.c_str(), 0, 0), 0);
  EXPECT_EQ(check(file), "ok");
  ASSERT_EQ(::chown(file.c_str(), 0, 65534), 0);
  EXPECT_EQ(check(file), "config file " + file +
                             " is writable by group 65534 (mode 0664, owner uid 0 gid 65534): "
                             "chmod g-w, or chgrp root");
  // Readable by another group is fine: only writing is refused.
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  EXPECT_EQ(check(file), "ok");
}

TEST_F(FilePermissionsTest, OwnedByAnotherUserIsRefusedEvenWhenOnlyTheOwnerCanWrite) {
  ASSERT_EQ(::chown(file.c_str(), kSomeoneElse, 0), 0);
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  EXPECT_EQ(check(file), "config file " + file +
                             " is owned by uid 65534, not root or augurd's uid (mode 0600, owner "
                             "uid 65534 gid 0): chown root");
}

TEST_F(FilePermissionsTest, TheDaemonsOwnUidMayOwnIt) {
  // augurd run by a user other than root may own its own files.
  ASSERT_EQ(::chown(file.c_str(), kSomeoneElse, 0), 0);
  EXPECT_TRUE(check_not_writable_by_others("config file", file, kSomeoneElse));
}

TEST_F(FilePermissionsTest, ASymlinkIsJudgedByItsTarget) {
  const std::string link = dir.file("link.yaml");
  ASSERT_EQ(::symlink(file.c_str(), link.c_str()), 0);
  EXPECT_EQ(check(link), "ok");
  ASSERT_EQ(::chmod(file.c_str(), 0646), 0);
  EXPECT_NE(check(link).find("is world-writable (mode 0646"), std::string::npos);
}

TEST_F(FilePermissionsTest, AMissingFileIsAnErrorUnlessAllowed) {
  const std::string missing = dir.file("augur.db");
  auto s = check_not_writable_by_others("store file", missing, 0);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().errno_value, ENOENT);
  EXPECT_TRUE(check_not_writable_by_others("store file", missing, 0, IfMissing::kAllow));
}

}  // namespace
}  // namespace augur::host
