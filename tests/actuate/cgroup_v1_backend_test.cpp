// The cgroup v1 backend on this machine's real, writable v1 hierarchies: each test makes
// its own cgroup (removed on teardown even when the test fails), writes through the
// backend and reads the kernel's files back. A CPU burner thread moved into the cgroup is
// throttled by a low quota.
#include "augur/actuate/cgroup_v1_backend.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "augur/host/cgroup_files.h"
#include "test_cgroup.h"

namespace augur::actuate {
namespace {

using testing::slurp;
using testing::spit;
using testing::V1TestCgroup;

constexpr double kMiB = 1024.0 * 1024.0;

class CgroupV1BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cgroup_.error().empty()) GTEST_SKIP() << "no writable cgroup v1 here: " << cgroup_.error();
    auto made = CgroupV1Backend::from_host();
    ASSERT_TRUE(made) << made.error().message();
    backend_.emplace(std::move(*made));
    instance_.id = "cgroup:" + cgroup_.path();
    instance_.kind = InstanceKind::kContainer;
    instance_.cgroups = cgroup_.refs();
  }

  std::string file(const std::string& controller, const std::string& name) const {
    return cgroup_.dir(controller) + "/" + name;
  }

  V1TestCgroup cgroup_{{"cpu", "memory", "blkio"}};
  std::optional<CgroupV1Backend> backend_;
  Instance instance_;
};

TEST_F(CgroupV1BackendTest, HalfACoreIsHalfThePeriod) {
  const auto period = std::stoull(slurp(file("cpu", "cpu.cfs_period_us")));
  auto before = backend_->read(instance_, Resource::kCpu);
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_TRUE(std::isnan(*before));  // a new cgroup has quota -1

  auto rb = backend_->apply(instance_, Resource::kCpu, 0.5);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(std::stoull(slurp(file("cpu", "cpu.cfs_quota_us"))), period / 2);
  EXPECT_DOUBLE_EQ(*rb, 0.5);
  EXPECT_EQ(slurp(file("cpu", "cpu.shares")), "1024\n");  // shares only when configured

  rb = backend_->apply(instance_, Resource::kCpu, std::nan(""));
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "-1\n");
  EXPECT_TRUE(std::isnan(*rb));
}

TEST_F(CgroupV1BackendTest, KeepsThePeriodInForce) {
  spit(file("cpu", "cpu.cfs_period_us"), "250000");
  auto rb = backend_->apply(instance_, Resource::kCpu, 1.5);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_period_us")), "250000\n");
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "375000\n");
  EXPECT_DOUBLE_EQ(*rb, 1.5);
}

TEST_F(CgroupV1BackendTest, SharesFollowCoresWhenConfigured) {
  CgroupV1Options options;
  options.cpu_shares = true;
  auto made = CgroupV1Backend::from_host(options);
  ASSERT_TRUE(made);
  ASSERT_TRUE(made->apply(instance_, Resource::kCpu, 0.5));
  EXPECT_EQ(slurp(file("cpu", "cpu.shares")), "512\n");
  ASSERT_TRUE(made->apply(instance_, Resource::kCpu, 2.0));
  EXPECT_EQ(slurp(file("cpu", "cpu.shares")), "2048\n");
}

TEST_F(CgroupV1BackendTest, MemoryLimitPageRounded) {
  const double asked = 64 * kMiB + 123;
  auto rb = backend_->apply(instance_, Resource::kMemory, asked);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(file("memory", "memory.limit_in_bytes")), "67108864\n");
  EXPECT_DOUBLE_EQ(*rb, 64 * kMiB);

  rb = backend_->apply(instance_, Resource::kMemory, std::nan(""));
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_TRUE(std::isnan(*rb));
  auto unlimited = host::parse_memory_limit_v1(slurp(file("memory", "memory.limit_in_bytes")));
  ASSERT_TRUE(unlimited);
  EXPECT_FALSE(unlimited->has_value());
}

TEST_F(CgroupV1BackendTest, SoftLimitWhenConfigured) {
  CgroupV1Options options;
  options.soft_limit_fraction = 0.5;
  auto made = CgroupV1Backend::from_host(options);
  ASSERT_TRUE(made);
  auto rb = made->apply(instance_, Resource::kMemory, 128 * kMiB);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(file("memory", "memory.limit_in_bytes")), "134217728\n");
  EXPECT_EQ(slurp(file("memory", "memory.soft_limit_in_bytes")), "67108864\n");
}

TEST_F(CgroupV1BackendTest, BlkioThrottleOnARealDevice) {
  const auto dev = testing::real_block_device();
  if (!dev) GTEST_SKIP() << "no block device with a non-zero size under /sys/block";
  instance_.disks = {*dev};
  ASSERT_FALSE(backend_->unsupported(instance_, Resource::kDisk));
  auto before = backend_->read(instance_, Resource::kDisk);
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_TRUE(std::isnan(*before));

  auto rb = backend_->apply(instance_, Resource::kDisk, 1048576);
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(file("blkio", "blkio.throttle.read_bps_device")), *dev + " 1048576\n");
  EXPECT_EQ(slurp(file("blkio", "blkio.throttle.write_bps_device")), *dev + " 1048576\n");
  EXPECT_DOUBLE_EQ(*rb, 1048576.0);

  rb = backend_->apply(instance_, Resource::kDisk, std::nan(""));
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_EQ(slurp(file("blkio", "blkio.throttle.read_bps_device")), "");
  EXPECT_EQ(slurp(file("blkio", "blkio.throttle.write_bps_device")), "");
  EXPECT_TRUE(std::isnan(*rb));
}

TEST_F(CgroupV1BackendTest, KernelRejectsAQuotaBelowOneMillisecondWithEINVAL) {
  auto rb = backend_->apply(instance_, Resource::kCpu, 0.005);  // 500 us of 100 ms
  ASSERT_FALSE(rb);
  EXPECT_EQ(rb.error().errno_value, EINVAL) << rb.error().message();
  EXPECT_NE(rb.error().where.find("cpu.cfs_quota_us"), std::string::npos);
  EXPECT_EQ(slurp(file("cpu", "cpu.cfs_quota_us")), "-1\n");
}

TEST_F(CgroupV1BackendTest, VanishedCgroupIsENOENT) {
  Instance gone = instance_;
  gone.cgroups = {CgroupRef{"cpu", "/augur-actuate-no-such-cgroup"}};
  auto rb = backend_->apply(gone, Resource::kCpu, 1.0);
  ASSERT_FALSE(rb);
  EXPECT_EQ(rb.error().errno_value, ENOENT) << rb.error().message();
  auto why = backend_->unsupported(gone, Resource::kCpu);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("does not exist"), std::string::npos) << *why;
}

TEST_F(CgroupV1BackendTest, SaysWhatItCannotDo) {
  EXPECT_FALSE(backend_->unsupported(instance_, Resource::kCpu));
  EXPECT_FALSE(backend_->unsupported(instance_, Resource::kMemory));
  auto net = backend_->unsupported(instance_, Resource::kNetwork);
  ASSERT_TRUE(net);
  EXPECT_NE(net->find("traffic control"), std::string::npos);
  auto no_disks = backend_->unsupported(instance_, Resource::kDisk);
  ASSERT_TRUE(no_disks);
  EXPECT_NE(no_disks->find("no block devices"), std::string::npos) << *no_disks;
  Instance unified_only = instance_;
  unified_only.cgroups = {CgroupRef{"", cgroup_.path()}};
  auto no_ref = backend_->unsupported(unified_only, Resource::kMemory);
  ASSERT_TRUE(no_ref);
  EXPECT_NE(no_ref->find("memory hierarchy"), std::string::npos) << *no_ref;
}

std::uint64_t nr_throttled(const std::string& cpu_stat) {
  auto stat = host::parse_cpu_stat_v1(slurp(cpu_stat));
  return stat ? stat->nr_throttled : 0;
}

// Polls `done` every 20 ms for up to `limit`.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_F(CgroupV1BackendTest, LowQuotaThrottlesABurnerThread) {
  std::atomic<bool> stop{false};
  std::atomic<pid_t> tid{0};
  std::thread burner([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    volatile std::uint64_t spins = 0;
    while (!stop.load(std::memory_order_relaxed)) spins = spins + 1;
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      t.join();
    }
  } joiner{stop, burner};
  ASSERT_TRUE(eventually([&] { return tid.load() != 0; }, std::chrono::seconds(5)));
  spit(file("cpu", "tasks"), std::to_string(tid.load()));
  ASSERT_NE(slurp(file("cpu", "tasks")).find(std::to_string(tid.load())), std::string::npos);

  const std::string stat = file("cpu", "cpu.stat");
  // Unlimited: burning is never throttled.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(nr_throttled(stat), 0u);

  auto rb = backend_->apply(instance_, Resource::kCpu, 0.05);  // 5 ms per 100 ms
  ASSERT_TRUE(rb) << rb.error().message();
  EXPECT_TRUE(eventually([&] { return nr_throttled(stat) >= 3; }, std::chrono::seconds(5)))
      << "nr_throttled stayed at " << nr_throttled(stat);

  // Lifting the limit stops the throttling (at most the period in flight still counts).
  ASSERT_TRUE(backend_->apply(instance_, Resource::kCpu, std::nan("")));
  const auto lifted = nr_throttled(stat);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(nr_throttled(stat), lifted + 1);
}

}  // namespace
}  // namespace augur::actuate
