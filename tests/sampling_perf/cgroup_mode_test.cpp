// Per-cgroup counting (PERF_FLAG_PID_CGROUP, one group per CPU) on a real cgroup2 child
// of /sys/fs/cgroup/unified with a busy process in it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "augur/sampling/perf/cpu_list.h"
#include "augur/sampling/perf/derive.h"
#include "augur/sampling/perf/thread_counter_set.h"

namespace augur::sampling {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCgroup2Root = "/sys/fs/cgroup/unified";

// A cgroup2 child with one busy process; killed and removed however the test ends.
class BusyCgroup {
 public:
  BusyCgroup()
      : path_(std::string(kCgroup2Root) + "/augur-perf-test-" + std::to_string(::getpid())) {
    if (::mkdir(path_.c_str(), 0755) != 0) return;
    made_ = true;
    child_ = ::fork();
    if (child_ == 0) {
      volatile unsigned long x = 0;
      for (;;) x = x + 1;
    }
    std::ofstream(path_ + "/cgroup.procs") << child_ << "\n";
  }
  ~BusyCgroup() {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    if (made_) ::rmdir(path_.c_str());
  }
  BusyCgroup(const BusyCgroup&) = delete;
  BusyCgroup& operator=(const BusyCgroup&) = delete;

  [[nodiscard]] bool ready() const { return made_ && child_ > 0; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string procs() const {
    std::ifstream in(path_ + "/cgroup.procs");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // usage_usec from the cgroup's own cpu.stat (cgroup2 keeps it without the cpu controller).
  [[nodiscard]] double usage_ns() const {
    std::ifstream in(path_ + "/cpu.stat");
    std::string key;
    double value = 0;
    while (in >> key >> value) {
      if (key == "usage_usec") return value * 1000.0;
    }
    return -1;
  }

 private:
  std::string path_;
  bool made_ = false;
  pid_t child_ = -1;
};

TEST(ThreadCounterSetCgroupMode, CountsABusyProcessInACgroup2Child) {
  BusyCgroup cg;
  ASSERT_TRUE(cg.ready()) << "cannot create " << cg.path();
  ASSERT_NE(cg.procs(), "") << "the busy child did not join the cgroup";
  const std::vector<std::string> names = {"task-clock", "context-switches", "cpu-migrations",
                                          "page-faults"};
  ThreadCounterSet set(std::move(encode_events(names)).value());
  const auto st = set.apply_cgroup("ct", cg.path());
  ASSERT_TRUE(st) << st.error().message();
  const auto cpus = read_online_cpus();
  ASSERT_TRUE(cpus);
  EXPECT_EQ(set.open_fd_count(), cpus->size() * 4);

  const double usage0 = cg.usage_ns();
  const auto before = set.read_all();
  std::this_thread::sleep_for(1s);
  const auto after = set.read_all();
  const double usage1 = cg.usage_ns();

  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].mode, CountingMode::kPerCgroup);
  EXPECT_EQ(after[0].units.size(), cpus->size());
  const double counted_ns =
      after[0].totals.get(Metric::kTaskClockCores) - before[0].totals.get(Metric::kTaskClockCores);
  const double kernel_ns = usage1 - usage0;
  ASSERT_GT(kernel_ns, 1e8) << "the busy child got almost no CPU";
  EXPECT_NEAR(counted_ns, kernel_ns, 0.10 * kernel_ns);

  Sample s;
  derive_perf_rates(before[0], after[0], 1s, s);
  EXPECT_TRUE(s.has(Metric::kTaskClockCores));
  EXPECT_GT(s.get(Metric::kTaskClockCores), 0.1);
  EXPECT_TRUE(s.vcpu_utilisation.empty());

  set.remove("ct");
  EXPECT_EQ(set.open_fd_count(), 0u);
}

TEST(ThreadCounterSetCgroupMode, MissingCgroupDirectoryIsAnErrorNamingIt) {
  ThreadCounterSet set(std::move(encode_events(std::vector<std::string>{"task-clock"})).value());
  const auto st = set.apply_cgroup("ct", std::string(kCgroup2Root) + "/augur-no-such-cgroup");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().where.find("augur-no-such-cgroup"), std::string::npos);
  EXPECT_EQ(set.open_fd_count(), 0u);
}

}  // namespace
}  // namespace augur::sampling
