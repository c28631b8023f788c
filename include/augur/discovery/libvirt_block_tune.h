#pragma once
// A domain's disk bandwidth cap in force: the sum of its disks' QEMU block throttles
// (total_bytes_sec, what the libvirt backend sets). Read by discovery for the allocation and
// by the backend to read a change back. libvirt stays out of this header.
#include <string>
#include <vector>

#include "augur/util/result.h"

struct _virDomain;

namespace augur::discovery {

// Bytes/s; NaN (unknown: no cap to plan against) when no disk is known or any disk is
// unthrottled (0). On failure the Error's `where` is the disk whose
// virDomainGetBlockIoTune failed and its `what` carries libvirt's message; libvirt's
// last error is left set for the caller to classify.
Result<double> read_disk_throttle_bytes_per_s(_virDomain* domain,
                                              const std::vector<std::string>& disks);

// Whether libvirt's last error on this thread says the driver lacks the call (e.g. the
// test driver has no block tune): then the cap is simply unknown, not an error to report.
bool last_libvirt_error_is_no_support();

}  // namespace augur::discovery
