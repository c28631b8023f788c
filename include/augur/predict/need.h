#pragma once
// What an instance needed during one Sample: usage plus unmet demand, so a capped workload
// shows what it wanted. One rule, used by the daemon's outcome labelling and by replay.
#include "augur/core/resource.h"
#include "augur/core/sample.h"

namespace augur::predict {

// Need over one Sample. Units as ResourceVector (cores, bytes, bytes/s); disk operations
// are kept apart because the allocator's disk resource is bandwidth.
struct Need {
  ResourceVector resources;
  double disk_ops_per_s = kUnknown;
};

// The rule (NaN where the base usage metric is missing; a missing unmet-demand metric
// counts as no unmet demand):
//  cpu     = cpu_usage_cores + max(throttled_share * cpu allocation,
//                                  runqueue_wait_share,
//                                  cpu_pressure_some * 1 core)
//            The three terms measure overlapping stalls (a throttled thread also waits on
//            its run queue and counts in PSI), so they are not summed: the largest is the
//            best lower bound of the cores the instance wanted and did not get. Throttled
//            time is time the group would have kept running at its cap, hence x allocation;
//            PSI "some" only says at least one task waited, hence x 1 core.
//  memory  = held * (1 + memory_pressure_some), held = the guest's used bytes where its
//            balloon reports them (a VM: its allocation is the balloon, and the host RSS
//            also counts QEMU's own memory and every page the guest ever touched), else
//            memory_bytes. Stalling on reclaim for a share p of the time means the working
//            set did not fit; p x held bytes is a bounded (at most 2x) proxy of the shortfall.
//  disk    = (read + write bytes/s) * (1 + io_pressure_some), same reasoning; ops/s as
//            read + write ops/s, unscaled.
//  network = rx + tx bytes/s (no unmet-demand signal is sampled for interfaces).
Need need_from_sample(const Sample& sample);

}  // namespace augur::predict
