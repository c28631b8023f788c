// The cgroup side of a VM's disk allocation against libvirt's test:///default driver, which
// keeps blkiotune device lists (it has no cgroups: a fixture directory stands in for the
// domain's blkio cgroup, written as libvirt would). The disk source is this test's own binary,
// a file on this machine's disk. The real QEMU guest checks the real cgroup files
// (tests/vm, docs/e2e-vm.md).
#include "libvirt_blkio.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "augur/actuate/host_block_device.h"
#include "augur/discovery/libvirt_connection.h"
#include "augur/util/clock.h"

namespace augur::actuate {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTestUuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";

struct DomainFree {
  void operator()(virDomain* d) const { virDomainFree(d); }
};

class LibvirtBlkioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    discovery::LibvirtConnectionOptions o;
    o.uri = "test:///default";
    o.read_only = false;
    connection_ = std::make_unique<discovery::LibvirtConnection>(o, clock_);
    auto conn = connection_->get();
    ASSERT_TRUE(conn) << conn.error().message();
    dom_.reset(virDomainLookupByUUIDString(*conn, kTestUuid));
    ASSERT_NE(dom_, nullptr);
    image_ = fs::read_symlink("/proc/self/exe").string();
    auto dev = host_block_device(image_);
    if (!dev) GTEST_SKIP() << "the build tree is on no block device: " << dev.error().message();
    device_ = *dev;
    root_ = fs::temp_directory_path() / ("augur-blkio-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "sys/fs/cgroup/blkio/machine/test");
    where_.layout.mode = host::CgroupMode::kV1;
    where_.layout.v1.push_back(host::CgroupMount{"/sys/fs/cgroup/blkio", "/", {"blkio"}, ""});
    where_.fs_root = root_.string();
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }

  Instance vm(bool with_cgroup) const {
    Instance inst;
    inst.id = kTestUuid;
    inst.name = "test";
    inst.kind = InstanceKind::kVirtualMachine;
    inst.disks = {"vda", "vdb"};
    inst.disk_sources = {image_, image_};  // two disks on one host device
    if (with_cgroup) inst.cgroups.push_back(CgroupRef{"blkio", "/machine/test"});
    return inst;
  }

  // The domain cgroup's throttle files, as libvirt would have written them.
  void cgroup_holds(unsigned long long bytes_per_s) const {
    const std::string line =
        units::format_device_number(device_.number) + " " + std::to_string(bytes_per_s) + "\n";
    for (const char* f : {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device"}) {
      std::ofstream(root_ / "sys/fs/cgroup/blkio/machine/test" / f) << line;
    }
  }

  std::string libvirt_list(const char* field) {
    int n = 0;
    const unsigned flags = VIR_TYPED_PARAM_STRING_OKAY;
    EXPECT_EQ(virDomainGetBlkioParameters(dom_.get(), nullptr, &n, flags), 0);
    std::vector<virTypedParameter> params(static_cast<std::size_t>(n));
    EXPECT_EQ(virDomainGetBlkioParameters(dom_.get(), params.data(), &n, flags), 0);
    std::string out;
    for (int i = 0; i < n; ++i) {
      if (std::strcmp(params[i].field, field) == 0 && params[i].value.s != nullptr) {
        out = params[i].value.s;
      }
    }
    virTypedParamsClear(params.data(), n);
    return out;
  }

  SteadyClock clock_;
  std::unique_ptr<discovery::LibvirtConnection> connection_;
  std::unique_ptr<virDomain, DomainFree> dom_;
  std::string image_;
  HostBlockDevice device_;
  fs::path root_;
  BlkioCgroups where_;
};

TEST_F(LibvirtBlkioTest, EachHostDeviceGetsItsDisksSharesReadAndWrite) {
  cgroup_holds(2'000'000);
  ASSERT_TRUE(detail::apply_blkio_device_throttle(dom_.get(), vm(true), 1'000'000, where_));
  const std::string want = device_.node + ",2000000";  // two disks of 1 MB/s on one device
  EXPECT_EQ(libvirt_list(VIR_DOMAIN_BLKIO_DEVICE_READ_BPS), want);
  EXPECT_EQ(libvirt_list(VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS), want);
}

TEST_F(LibvirtBlkioTest, ACgroupFileHoldingSomethingElseFailsTheChange) {
  cgroup_holds(5);
  auto s = detail::apply_blkio_device_throttle(dom_.get(), vm(true), 1'000'000, where_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().errno_value, EIO);
  EXPECT_NE(
      s.error().what.find("blkio.throttle.read_bps_device holds 5 bytes/s for " + device_.node),
      std::string::npos)
      << s.error().what;
  EXPECT_NE(s.error().what.find("not 2000000"), std::string::npos) << s.error().what;
}

TEST_F(LibvirtBlkioTest, NoLimitRemovesItAndAMissingCgroupFileIsAnError) {
  cgroup_holds(0);
  ASSERT_TRUE(detail::apply_blkio_device_throttle(dom_.get(), vm(true), 0, where_));
  EXPECT_EQ(libvirt_list(VIR_DOMAIN_BLKIO_DEVICE_READ_BPS), "") << "0 removes the device";
  fs::remove_all(root_ / "sys/fs/cgroup/blkio/machine/test");
  auto s = detail::apply_blkio_device_throttle(dom_.get(), vm(true), 0, where_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().errno_value, ENOENT) << s.error().message();
}

TEST_F(LibvirtBlkioTest, DisksOnNoLocalDeviceAndDomainsWithoutABlkioCgroupAreLeftOut) {
  Instance network = vm(true);
  network.disk_sources = {"", "/dev/shm"};  // a network disk; tmpfs has no block device
  ASSERT_TRUE(detail::apply_blkio_device_throttle(dom_.get(), network, 1'000'000, where_));
  EXPECT_EQ(libvirt_list(VIR_DOMAIN_BLKIO_DEVICE_READ_BPS), "") << "nothing set";
  // No blkio cgroup known: verified through libvirt alone.
  ASSERT_TRUE(detail::apply_blkio_device_throttle(dom_.get(), vm(false), 3'000, where_));
  EXPECT_EQ(libvirt_list(VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS), device_.node + ",6000");
}

}  // namespace
}  // namespace augur::actuate
