#include "augur/host/pressure.h"

#include <gtest/gtest.h>

#include "augur/host/open_file.h"

namespace augur::host {
namespace {

TEST(Pressure, ParsesSomeAndFull) {
  auto p = parse_pressure(
      "some avg10=0.11 avg60=0.37 avg300=0.12 total=1805132\n"
      "full avg10=0.00 avg60=0.00 avg300=0.00 total=42\n");
  ASSERT_TRUE(p.has_value()) << p.error().message();
  EXPECT_DOUBLE_EQ(p->some.avg60, 0.37);
  EXPECT_EQ(p->some.total_usec, 1805132u);
  ASSERT_TRUE(p->full.has_value());
  EXPECT_EQ(p->full->total_usec, 42u);
}

TEST(Pressure, OldKernelCpuFileWithoutFullLine) {
  auto p = parse_pressure("some avg10=1.00 avg60=0.50 avg300=0.10 total=99\n");
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->full.has_value());
}

TEST(Pressure, MalformedTruncatedOrEmptyIsAnErrorNamingTheFile) {
  for (const char* bad :
       {"", "some avg10=0.11 avg60=0.37 avg300=0.12\n",
        "some avg10=x avg60=0.37 avg300=0.12 total=1\n", "full avg10=0 avg60=0 avg300=0 total=1\n",
        "some avg10=0 avg60=0 avg300=0 total=-1\n", "half avg10=0\n",
        "some avg10=0 avg60=0 avg300=0 tot"}) {
    auto p = parse_pressure(bad, "/cg/cpu.pressure");
    ASSERT_FALSE(p.has_value()) << bad;
    EXPECT_EQ(p.error().where, "/cg/cpu.pressure");
  }
}

TEST(Pressure, ReadsThisMachinesProcAndCgroup2Files) {
  for (const char* path : {"/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io",
                           "/sys/fs/cgroup/unified/cpu.pressure"}) {
    auto text = read_file(path);
    ASSERT_TRUE(text.has_value()) << text.error().message();
    auto p = parse_pressure(*text, path);
    EXPECT_TRUE(p.has_value()) << p.error().message();
  }
}

}  // namespace
}  // namespace augur::host
