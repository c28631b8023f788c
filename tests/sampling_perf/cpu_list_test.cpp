#include "augur/sampling/perf/cpu_list.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace augur::sampling {
namespace {

TEST(CpuList, ParsesRangesAndSingles) {
  auto r = parse_cpu_list("0-2,5,7-8\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<int>{0, 1, 2, 5, 7, 8}));
}

TEST(CpuList, ParsesSingleCpu) {
  auto r = parse_cpu_list("0\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<int>{0});
}

TEST(CpuList, RejectsGarbage) {
  for (const char* bad : {"a", "1-", "-1", "3-1", "0,,1", "1,0", "0-99999999", "1 2"}) {
    EXPECT_FALSE(parse_cpu_list(bad)) << bad;
  }
}

TEST(CpuList, ReadsOnlineListUnderGivenSysfsRoot) {
  const auto root =
      std::filesystem::temp_directory_path() / ("augur-cpulist-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "devices/system/cpu");
  std::ofstream(root / "devices/system/cpu/online") << "0-3\n";
  auto r = read_online_cpus(root.string());
  std::filesystem::remove_all(root);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->size(), 4u);
}

TEST(CpuList, MissingFileIsAnErrorNamingThePath) {
  auto r = read_online_cpus("/nonexistent-augur-root");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().where.find("/nonexistent-augur-root/devices/system/cpu/online"),
            std::string::npos);
}

}  // namespace
}  // namespace augur::sampling
