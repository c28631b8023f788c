#pragma once
// Private helpers shared by the cgroup v1 and v2 backends.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "augur/actuate/units.h"
#include "augur/core/instance.h"
#include "augur/host/cgroup_files.h"
#include "augur/util/result.h"

namespace augur::actuate::detail {

// The instance's block devices as MAJ:MIN; the Error's `what` is the reason the disk
// resource is unsupported (no devices, or libvirt target names such as "vda").
Result<std::vector<units::DeviceNumber>> instance_devices(const Instance& instance);

// Per device in `devices`, its limit in one v1 blkio.throttle.*_bps_device file (0 or no
// line: unlimited, nullopt).
Result<std::vector<std::optional<std::uint64_t>>> device_limits(
    const std::string& path, const std::vector<units::DeviceNumber>& devices);

// Per device of the instance, its read and write limits: host::instance_disk_limit() reads
// the instance's value from them. apply() splits the value evenly and sets both directions,
// so the read-back equals the write (within rounding), as the libvirt and tc backends do.
using host::DeviceLimits;

// The per-device limit for an instance value split evenly over `devices` devices
// (NaN stays NaN: no limit). Error below 2 bytes/s per device (see units.h).
Result<std::optional<std::uint64_t>> per_device_limit(double bytes_per_s, std::size_t devices);

// "cpu", "memory", "disk", "network" for messages.
std::string resource_label(Resource r);

}  // namespace augur::actuate::detail
