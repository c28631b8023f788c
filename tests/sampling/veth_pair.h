#pragma once
// Test-only rtnetlink requests that set up what a container runtime would: a veth pair with
// one end moved into another process's network namespace. (Product code only reads links:
// src/host/net_links.cpp.)
#include <sys/types.h>

#include <string>

#include "augur/util/result.h"

namespace augur::testing {

// RTM_NEWLINK kind veth: `host_name` in this namespace, its peer `peer_name` created directly
// in the network namespace of `peer_pid` (IFLA_NET_NS_PID).
Status create_veth(const std::string& host_name, const std::string& peer_name, pid_t peer_pid);

// Sets IFF_UP on a link of this namespace.
Status set_link_up(const std::string& name);

// Deletes a link of this namespace (and with a veth, its peer).
Status delete_link(const std::string& name);

// Sends `frames` broadcast Ethernet frames of `frame_bytes` bytes on a link of this namespace
// through an AF_PACKET socket.
Status send_frames(const std::string& name, int frames, std::size_t frame_bytes);

}  // namespace augur::testing
