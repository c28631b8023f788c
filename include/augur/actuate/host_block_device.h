#pragma once
// The host block device under a VM's disk source, for the cgroup side of block I/O tune:
// blkio throttle rules are per whole disk (the kernel refuses a partition), so
//   a block device source (<source dev=...>) is that device, an image file
//   (<source file=...>) is the device of the filesystem holding it, and
//   a partition is taken to its whole disk (sysfs: <dev>/partition, then the parent's dev).
// The node name is what libvirt's blkiotune takes ("/dev/vda"): sysfs's uevent DEVNAME.
// A source on no block device (tmpfs, overlay, NFS: major 0) or that cannot be stat'ed is an
// Error (ENODEV, or stat's errno): such a disk has no host device to throttle.
#include <string>
#include <string_view>

#include "augur/actuate/units.h"
#include "augur/util/result.h"

namespace augur::actuate {

struct HostBlockDevice {
  units::DeviceNumber number;  // the whole disk
  std::string node;            // "/dev/vda"
  bool operator==(const HostBlockDevice&) const = default;
};

// `sys_root` is "/sys" on the host, a fixture directory in tests.
Result<HostBlockDevice> host_block_device(const std::string& source,
                                          std::string_view sys_root = "/sys");

// The whole disk and node of a device number through sysfs (see above).
Result<HostBlockDevice> whole_disk_of(units::DeviceNumber dev, std::string_view sys_root = "/sys");

}  // namespace augur::actuate
