#include "augur/sampling/perf/fd_budget.h"

#include <gtest/gtest.h>

namespace augur::sampling {
namespace {

struct FakeLimit {
  rlimit limit{};
  int sets = 0;
  PerfSyscalls syscalls() {
    PerfSyscalls s;
    s.get_nofile_limit = [this](rlimit& out) {
      out = limit;
      return 0;
    };
    s.set_nofile_limit = [this](const rlimit& l) {
      limit = l;
      ++sets;
      return 0;
    };
    return s;
  }
};

TEST(FdBudget, LeavesLimitAloneWhenItFits) {
  FakeLimit f{{1024, 4096}};
  EXPECT_TRUE(ensure_fd_budget(100, f.syscalls()));
  EXPECT_EQ(f.sets, 0);
}

TEST(FdBudget, RaisesSoftLimitToHardLimit) {
  FakeLimit f{{1024, 4096}};
  EXPECT_TRUE(ensure_fd_budget(2000, f.syscalls()));
  EXPECT_EQ(f.sets, 1);
  EXPECT_EQ(f.limit.rlim_cur, 4096u);
}

TEST(FdBudget, SaysHowManyAreNeededAndAllowed) {
  FakeLimit f{{1024, 4096}};
  auto st = ensure_fd_budget(4000, f.syscalls());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().what.find("4256 needed"), std::string::npos) << st.error().what;
  EXPECT_NE(st.error().what.find("allows 4096"), std::string::npos) << st.error().what;
  EXPECT_EQ(f.sets, 0);
}

}  // namespace
}  // namespace augur::sampling
