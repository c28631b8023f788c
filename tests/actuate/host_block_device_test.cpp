// The host block device under a disk source: real files on this machine's disk (and on
// tmpfs), and a sysfs fixture for a partition, which this machine's disks do not have.
#include "augur/actuate/host_block_device.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "augur/actuate/blkio_device_rates.h"

namespace augur::actuate {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(HostBlockDevice, AnImageFileIsOnItsFilesystemsDisk) {
  // This test's own binary: a regular file on a disk-backed filesystem here.
  const std::string exe = fs::read_symlink("/proc/self/exe");
  struct stat st {};
  ASSERT_EQ(::stat(exe.c_str(), &st), 0);
  if (::major(st.st_dev) == 0) GTEST_SKIP() << "the build tree is on no block device";
  auto dev = host_block_device(exe);
  ASSERT_TRUE(dev) << dev.error().message();
  // sysfs names the same device, and /dev has a node of that number.
  struct stat node {};
  ASSERT_EQ(::stat(dev->node.c_str(), &node), 0) << dev->node;
  EXPECT_TRUE(S_ISBLK(node.st_mode));
  EXPECT_EQ(::major(node.st_rdev), dev->number.major);
  EXPECT_EQ(::minor(node.st_rdev), dev->number.minor);
  EXPECT_FALSE(
      fs::exists("/sys/dev/block/" + units::format_device_number(dev->number) + "/partition"))
      << "a whole disk";
}

TEST(HostBlockDevice, ABlockDeviceSourceIsThatDevice) {
  auto from_file = host_block_device(fs::read_symlink("/proc/self/exe"));
  if (!from_file) GTEST_SKIP() << "the build tree is on no block device";
  auto dev = host_block_device(from_file->node);
  ASSERT_TRUE(dev) << dev.error().message();
  EXPECT_EQ(*dev, *from_file);
}

TEST(HostBlockDevice, SourcesOnNoBlockDeviceOrMissingAreErrors) {
  const std::string on_tmpfs = "/dev/shm/augur-host-block-device-" + std::to_string(::getpid());
  std::ofstream(on_tmpfs) << "x";
  auto tmpfs = host_block_device(on_tmpfs);
  fs::remove(on_tmpfs);
  ASSERT_FALSE(tmpfs);
  EXPECT_EQ(tmpfs.error().errno_value, ENODEV) << tmpfs.error().message();

  auto missing = host_block_device("/nonexistent/disk.img");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().errno_value, ENOENT);
  EXPECT_FALSE(host_block_device(""));
  EXPECT_FALSE(host_block_device("relative/disk.img"));
}

TEST(HostBlockDevice, APartitionIsTakenToItsWholeDisk) {
  // sysfs as the kernel lays it out: /sys/dev/block/MAJ:MIN links into /sys/devices.
  const fs::path sys = fs::temp_directory_path() / ("augur-sysfs-" + std::to_string(::getpid()));
  const fs::path disk = sys / "devices/pci0000:00/virtio1/block/sdx";
  write(disk / "dev", "8:16\n");
  write(disk / "uevent", "MAJOR=8\nMINOR=16\nDEVNAME=sdx\nDEVTYPE=disk\n");
  write(disk / "sdx2/dev", "8:18\n");
  write(disk / "sdx2/partition", "2\n");
  write(disk / "sdx2/uevent", "MAJOR=8\nMINOR=18\nDEVNAME=sdx2\nDEVTYPE=partition\n");
  fs::create_directories(sys / "dev/block");
  fs::create_symlink("../../devices/pci0000:00/virtio1/block/sdx", sys / "dev/block/8:16");
  fs::create_symlink("../../devices/pci0000:00/virtio1/block/sdx/sdx2", sys / "dev/block/8:18");

  auto whole = whole_disk_of({8, 18}, sys.string());
  auto same = whole_disk_of({8, 16}, sys.string());
  auto unknown = whole_disk_of({8, 32}, sys.string());
  fs::remove_all(sys);
  ASSERT_TRUE(whole) << whole.error().message();
  EXPECT_EQ(*whole, (HostBlockDevice{{8, 16}, "/dev/sdx"}));
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_EQ(*same, *whole);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().errno_value, ENODEV);
}

TEST(DeviceRates, FormatAndParseLibvirtsDeviceLists) {
  const std::vector<DeviceRate> rates{{"/dev/vda", 1048576}, {"/dev/sdb", 0}};
  EXPECT_EQ(format_device_rates(rates), "/dev/vda,1048576,/dev/sdb,0");
  auto parsed = parse_device_rates("/dev/vda,1048576,/dev/sdb,0");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, rates);
  auto none = parse_device_rates("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(DeviceRates, MalformedListsAreErrors) {
  for (const char* bad : {"/dev/vda", "/dev/vda,", "/dev/vda,12x", "vda,1", ",1", "/dev/vda,-1",
                          "/dev/vda,1,/dev/vdb", "/dev/vda,99999999999999999999999"}) {
    auto r = parse_device_rates(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().errno_value, EINVAL) << bad;
  }
}

}  // namespace
}  // namespace augur::actuate
