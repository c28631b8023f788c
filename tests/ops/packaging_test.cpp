// The Debian package: cpack builds it from this build tree with the binaries, the unit, the
// config as a conffile, man pages and docs, Depends computed by dpkg-shlibdeps and a
// postinst that creates the augur group. With AUGUR_ALLOW_SYSTEM_INSTALL=1 (CI's throwaway
// machine) it is installed with dpkg, the installed daemon checks the installed config, the
// unit verifies and the group exists.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "augur/version.h"
#include "spawn.h"

namespace augur::ops_test {
namespace {

namespace fs = std::filesystem;

const std::string kBinaryDir = AUGUR_BINARY_DIR;

std::string must_find(const std::string& program) {
  const auto found = find_program(program);
  return found ? *found : "/nonexistent/" + program;
}

// Runs a tool that must succeed and returns its stdout.
std::string run_ok(const std::vector<std::string>& argv, const SpawnOptions& o = {}) {
  const SpawnResult r = spawn(argv, o);
  std::string line;
  for (const std::string& a : argv) line += a + " ";
  EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.out << r.err;
  return r.out;
}

// Builds the package into `out_dir` and returns its path. Two tests of this file may run at
// once (ctest -j): cpack builds the tree first, so they take turns.
std::string build_package(const std::string& out_dir) {
  const std::string lock_path = kBinaryDir + "/ops-package.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    ADD_FAILURE() << "cannot lock " << lock_path;
    return "";
  }
  fs::remove_all(out_dir);
  fs::create_directories(out_dir);
  SpawnOptions o;
  o.working_directory = kBinaryDir;
  o.timeout = std::chrono::seconds(500);
  const SpawnResult r = spawn({AUGUR_CPACK_COMMAND, "-G", "DEB", "--config",
                               kBinaryDir + "/CPackConfig.cmake", "-B", out_dir},
                              o);
  ::close(lock);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string arch = run_ok({must_find("dpkg"), "--print-architecture"});
  const std::string deb =
      out_dir + "/augur_" + std::string(kVersion) + "_" + arch.substr(0, arch.find('\n')) + ".deb";
  EXPECT_TRUE(fs::exists(deb)) << deb << " was not made:\n" << r.out;
  return deb;
}

std::string field(const std::string& deb, const std::string& name) {
  std::string v = run_ok({must_find("dpkg-deb"), "--field", deb, name});
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

TEST(DebianPackage, BuildsWithTheExpectedContents) {
  const std::string deb = build_package(kBinaryDir + "/ops-package/contents");
  ASSERT_TRUE(fs::exists(deb));
  const std::string dpkg_deb = must_find("dpkg-deb");

  EXPECT_EQ(field(deb, "Package"), "augur");
  EXPECT_EQ(field(deb, "Version"), kVersion);
  EXPECT_EQ(field(deb, "Section"), "admin");
  // A summary line, then the long description wrapped for dpkg's 80 columns.
  std::istringstream description(field(deb, "Description"));
  std::size_t description_lines = 0;
  for (std::string line; std::getline(description, line); ++description_lines) {
    EXPECT_LE(line.size(), 80u) << line;
    if (description_lines > 0) {
      EXPECT_EQ(line.rfind(' ', 0), 0u) << line;
    }
  }
  EXPECT_GE(description_lines, 5u);
  const std::string depends = field(deb, "Depends");
  std::set<std::string> depended;  // package names, without version constraints
  std::istringstream entries(depends);
  for (std::string entry; std::getline(entries >> std::ws, entry, ',');) {
    depended.insert(entry.substr(0, entry.find(' ')));
  }
  // dpkg-shlibdeps found the libraries the binaries link.
  for (const char* dep : {"adduser", "libc6", "libstdc++6", "libvirt0", "libsystemd0",
                          "libsqlite3-0", "libyaml-cpp0.7"}) {
    EXPECT_TRUE(depended.contains(dep)) << dep << " missing from Depends: " << depends;
  }

  // The config is a conffile at /etc, so local edits survive upgrades.
  const std::string conffiles = run_ok({dpkg_deb, "--info", deb, "conffiles"});
  EXPECT_EQ(conffiles, "/etc/augur/augur.yaml\n")
      << "configure the build tree with -DCMAKE_INSTALL_PREFIX=/usr";
  const std::string postinst = run_ok({dpkg_deb, "--info", deb, "postinst"});
  EXPECT_NE(postinst.find("addgroup --system augur"), std::string::npos);
  const std::string info = run_ok({dpkg_deb, "--info", deb});
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    EXPECT_TRUE(std::regex_search(info, std::regex(std::string(R"(\d+ bytes, +\d+ lines +\* +)") +
                                                   script + R"( +#!/bin/sh)")))
        << script << " is missing or not executable:\n"
        << info;
  }

  const std::string contents = run_ok({dpkg_deb, "--contents", deb});
  const auto has = [&](const std::string& mode, const std::string& path) {
    return std::regex_search(contents, std::regex("(^|\n)" + mode +
                                                  " root/root +[0-9]+ [0-9-]+ "
                                                  "[0-9:]+ \\./" +
                                                  path + "(\n|$)"));
  };
  EXPECT_TRUE(has("-rwxr-xr-x", "usr/sbin/augurd")) << contents;
  EXPECT_TRUE(has("-rwxr-xr-x", "usr/bin/augurctl"));
  EXPECT_TRUE(has("-rwxr-xr-x", "usr/bin/augur-replay"));
  EXPECT_TRUE(has("-rw-r--r--", "(usr/)?lib/systemd/system/augur\\.service"));
  EXPECT_TRUE(has("-rw-r--r--", "etc/augur/augur\\.yaml"));
  EXPECT_TRUE(has("-rw-r--r--", "usr/share/man/man8/augurd\\.8\\.gz"));
  EXPECT_TRUE(has("-rw-r--r--", "usr/share/man/man8/augurctl\\.8\\.gz"));
  EXPECT_TRUE(has("-rw-r--r--", "usr/share/man/man5/augur\\.yaml\\.5\\.gz"));
  EXPECT_TRUE(has("-rw-r--r--", "usr/share/doc/augur/README\\.md"));
  EXPECT_TRUE(has("-rw-r--r--", "usr/share/doc/augur/metrics\\.md"));
  EXPECT_TRUE(has("-rw-r--r--", "usr/share/doc/augur/control-protocol\\.md"));
  EXPECT_EQ(contents.find("./usr/local"), std::string::npos) << contents;
  EXPECT_EQ(contents.find("_test"), std::string::npos) << "no test binaries: " << contents;

  // Unpacked, the stripped daemon runs and the compressed pages render cleanly.
  const std::string root = kBinaryDir + "/ops-package/contents/root";
  run_ok({dpkg_deb, "-x", deb, root});
  EXPECT_EQ(run_ok({root + "/usr/sbin/augurd", "--version"}),
            "augurd " + std::string(kVersion) + "\n");
  const SpawnResult valid = spawn(
      {root + "/usr/sbin/augurd", "--config", root + "/etc/augur/augur.yaml", "--check-config"});
  EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  SpawnOptions man_env;
  man_env.env = {"MANWIDTH=80", "LC_ALL=C.UTF-8"};
  for (const char* page : {"man8/augurd.8.gz", "man8/augurctl.8.gz", "man5/augur.yaml.5.gz"}) {
    const SpawnResult r =
        spawn({must_find("man"), "--warnings", "-l", root + "/usr/share/man/" + page}, man_env);
    EXPECT_EQ(r.exit_code, 0) << page << r.err;
    EXPECT_EQ(r.err, "") << page;
    EXPECT_NE(r.out.find("NAME"), std::string::npos) << page;
  }
}

TEST(DebianPackage, InstallsAndItsUnitVerifies) {
  const char* allowed = std::getenv("AUGUR_ALLOW_SYSTEM_INSTALL");
  if (allowed == nullptr || std::string(allowed) != "1") {
    GTEST_SKIP() << "installing the .deb changes this machine (dpkg -i, a system group): set "
                    "AUGUR_ALLOW_SYSTEM_INSTALL=1 on a throwaway machine (.ci/run does)";
  }
  ASSERT_EQ(::geteuid(), 0u) << "dpkg -i needs root";
  const std::string deb = build_package(kBinaryDir + "/ops-package/install");
  ASSERT_TRUE(fs::exists(deb));

  SpawnOptions quiet;
  quiet.env = {"DEBIAN_FRONTEND=noninteractive"};
  quiet.timeout = std::chrono::seconds(120);
  const std::string dpkg = must_find("dpkg");
  // A config left by `cmake --install` (.ci/verify-install) is replaced without a prompt.
  run_ok({dpkg, "--force-confnew", "-i", deb}, quiet);
  // dpkg knows it, fully configured (postinst ran).
  EXPECT_EQ(run_ok({must_find("dpkg-query"), "-W", "-f=${Status} ${Version}", "augur"}),
            "install ok installed " + std::string(kVersion));

  const SpawnResult check =
      spawn({"/usr/sbin/augurd", "--config", "/etc/augur/augur.yaml", "--check-config"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("configuration is valid"), std::string::npos) << check.out;

  const SpawnResult verify =
      spawn({must_find("systemd-analyze"), "verify", "/lib/systemd/system/augur.service"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.err.find("augur.service"), std::string::npos)
      << "systemd-analyze complained about the unit:\n"
      << verify.err;

  const std::string group = run_ok({must_find("getent"), "group", "augur"});
  EXPECT_EQ(group.rfind("augur:x:", 0), 0u) << group;
  EXPECT_TRUE(fs::is_directory("/var/lib/augur"));

  // The installed pages are found by name.
  SpawnOptions man_env;
  man_env.env = {"MANWIDTH=80", "LC_ALL=C.UTF-8"};
  const SpawnResult page = spawn({must_find("man"), "--warnings", "5", "augur.yaml"}, man_env);
  EXPECT_EQ(page.exit_code, 0) << page.err;
  EXPECT_NE(page.out.find("augur.yaml - configuration of the Augur daemon"), std::string::npos)
      << page.out.substr(0, 400);
}

}  // namespace
}  // namespace augur::ops_test
