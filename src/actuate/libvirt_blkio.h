#pragma once
// The cgroup side of a VM's disk allocation (internal to actuate): libvirt's blkiotune per
// host block device under the domain's disks, which libvirt writes into the domain's cgroup
// (v1 blkio.throttle.{read,write}_bps_device, v2 io.max), verified through libvirt and
// through those files.
#include <libvirt/libvirt.h>

#include "augur/actuate/libvirt_backend.h"
#include "augur/core/instance.h"
#include "augur/util/result.h"

namespace augur::actuate::detail {

// Each host device under the domain's disks (Instance::disk_sources, host_block_device.h)
// gets read and write limits of `per_disk` bytes/s times its disks (0: no limit). Disks with
// no local host device are left out; with none at all, or a driver without blkiotune,
// nothing is done. Errors: the libvirt call's, or EIO when libvirt or a cgroup file does not
// hold what was set.
Status apply_blkio_device_throttle(virDomainPtr dom, const Instance& inst,
                                   unsigned long long per_disk, const BlkioCgroups& where);

}  // namespace augur::actuate::detail
