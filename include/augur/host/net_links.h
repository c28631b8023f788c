#pragma once
// Network links of this network namespace over rtnetlink (RTM_GETLINK, RTM_GETNSID), to find
// the host-side end of a container's veth pairs without entering the container:
//   1. dump this namespace's links; a veth whose peer lives in another namespace carries
//      IFLA_LINK_NETNSID, the id this namespace gives the peer's namespace (the dump assigns
//      one when none existed);
//   2. ask for the id of the container's namespace by an fd of /proc/<pid>/ns/net
//      (RTM_GETNSID with NETNSA_FD);
//   3. the host-side ends are the veths whose link netnsid is that id.
// Interface indexes alone cannot do this: every namespace numbers its links from 1.
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "augur/util/result.h"

namespace augur::host {

struct NetLink {
  int ifindex = 0;
  std::string name;
  std::string kind;                 // IFLA_INFO_KIND ("veth", "bridge"); empty for a NIC
  int link_ifindex = 0;             // IFLA_LINK: peer or lower device, in link_netnsid's namespace
  std::optional<int> link_netnsid;  // IFLA_LINK_NETNSID: set when the peer is in another namespace
  bool operator==(const NetLink&) const = default;
};

// Pure: the RTM_NEWLINK messages of a dump reply (one recv buffer), other messages skipped.
// `done` is set when the buffer holds NLMSG_DONE. A truncated message or attribute, or an
// NLMSG_ERROR, is an Error.
struct LinkDumpPart {
  std::vector<NetLink> links;
  bool done = false;
};
Result<LinkDumpPart> parse_link_messages(std::span<const std::byte> buffer);

// Pure: names of the veths in `links` whose peer is in the namespace this one calls `nsid`,
// in ifindex order.
std::vector<std::string> veth_peers_in(const std::vector<NetLink>& links, int nsid);

// Every link of the calling thread's network namespace (one RTM_GETLINK dump).
Result<std::vector<NetLink>> list_net_links();

// The id this namespace gives the network namespace at `ns_path` (/proc/<pid>/ns/net), or
// nullopt when it has none (nothing links the two). An exited process gives an Error for
// which is_gone() is true.
Result<std::optional<int>> net_namespace_id(const std::string& ns_path);

// The host-side veth ends of the network namespace of <proc_root>/<pid>: list_net_links(),
// then net_namespace_id(). Empty when the process shares this namespace or has no veth here.
Result<std::vector<std::string>> host_side_veths(const std::string& proc_root, pid_t pid);

// host_side_veths() for many processes with one link dump, taken at the first process that
// has its own namespace: for one discovery run (links made after the dump are not seen).
class HostVethFinder {
 public:
  explicit HostVethFinder(std::string proc_root = "/proc") : proc_root_(std::move(proc_root)) {}
  Result<std::vector<std::string>> find(pid_t pid);

 private:
  std::string proc_root_;
  std::optional<std::string> own_namespace_;
  std::optional<std::vector<NetLink>> links_;
};

}  // namespace augur::host
