// rtnetlink link dumps: the pure parser on hand-built replies (what the kernel sends, and
// broken variants), and the real dump of this machine's namespace against sysfs. The veth
// pair into another namespace is exercised in tests/sampling (container_network_test.cpp).
#include "augur/host/net_links.h"

#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "augur/host/open_file.h"

namespace augur::host {
namespace {

// Builds netlink messages byte by byte, aligned as the kernel aligns them.
class Reply {
 public:
  // Starts a message; attributes go into it until the next begin().
  Reply& begin(std::uint16_t type, std::uint16_t flags = NLM_F_MULTI) {
    finish();
    start_ = bytes_.size();
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    put(&h, sizeof h);
    return *this;
  }
  Reply& link(int ifindex) {
    ifinfomsg i{};
    i.ifi_index = ifindex;
    put(&i, sizeof i);
    return *this;
  }
  Reply& attr(std::uint16_t type, const void* data, std::size_t len) {
    nlattr a{};
    a.nla_type = type;
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    put(&a, sizeof a);
    put(data, len);
    pad();
    return *this;
  }
  Reply& str(std::uint16_t type, const std::string& s) {
    return attr(type, s.c_str(), s.size() + 1);
  }
  Reply& i32(std::uint16_t type, int v) { return attr(type, &v, sizeof v); }
  // IFLA_LINKINFO { IFLA_INFO_KIND kind }
  Reply& kind(const std::string& k) {
    std::vector<std::byte> nested;
    nlattr a{};
    a.nla_type = IFLA_INFO_KIND;
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + k.size() + 1);
    nested.resize(NLA_ALIGN(a.nla_len));
    std::memcpy(nested.data(), &a, sizeof a);
    std::memcpy(nested.data() + NLA_HDRLEN, k.c_str(), k.size() + 1);
    return attr(IFLA_LINKINFO | NLA_F_NESTED, nested.data(), nested.size());
  }
  Reply& error(int errno_value) {
    begin(NLMSG_ERROR, 0);
    const int e = -errno_value;
    put(&e, sizeof e);
    nlmsghdr original{};
    put(&original, sizeof original);
    return *this;
  }
  std::vector<std::byte> done() {
    begin(NLMSG_DONE);
    const int zero = 0;
    put(&zero, sizeof zero);
    return bytes();
  }
  std::vector<std::byte> bytes() {
    finish();
    start_ = std::string::npos;
    return bytes_;
  }

 private:
  void put(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  void pad() { bytes_.resize(NLMSG_ALIGN(bytes_.size())); }
  void finish() {
    if (start_ == std::string::npos) return;
    pad();
    const auto len = static_cast<std::uint32_t>(bytes_.size() - start_);
    std::memcpy(bytes_.data() + start_, &len, sizeof len);
  }
  std::vector<std::byte> bytes_;
  std::size_t start_ = std::string::npos;
};

TEST(NetLinks, ParsesLinksOfADumpPartUpToDone) {
  Reply r;
  r.begin(RTM_NEWLINK).link(1).str(IFLA_IFNAME, "lo");
  r.begin(RTM_NEWLINK)
      .link(7)
      .str(IFLA_IFNAME, "vethab12")
      .i32(IFLA_LINK, 2)
      .i32(IFLA_LINK_NETNSID, 3)
      .kind("veth");
  r.begin(RTM_NEWLINK).link(4).str(IFLA_IFNAME, "br0").kind("bridge");
  auto part = parse_link_messages(r.done());
  ASSERT_TRUE(part) << part.error().message();
  EXPECT_TRUE(part->done);
  ASSERT_EQ(part->links.size(), 3u);
  EXPECT_EQ(part->links[0], (NetLink{1, "lo", "", 0, std::nullopt}));
  EXPECT_EQ(part->links[1], (NetLink{7, "vethab12", "veth", 2, 3}));
  EXPECT_EQ(part->links[2].kind, "bridge");
  EXPECT_FALSE(part->links[2].link_netnsid.has_value());
}

TEST(NetLinks, APartWithoutDoneAsksForMore) {
  Reply r;
  r.begin(RTM_NEWLINK).link(2).str(IFLA_IFNAME, "eth0");
  auto part = parse_link_messages(r.bytes());
  ASSERT_TRUE(part);
  EXPECT_FALSE(part->done);
  EXPECT_EQ(part->links.size(), 1u);
}

TEST(NetLinks, BrokenRepliesAreErrors) {
  Reply whole;
  whole.begin(RTM_NEWLINK).link(2).str(IFLA_IFNAME, "eth0");
  auto bytes = whole.bytes();
  // Cut inside the message: the header's length runs past the buffer.
  auto cut = parse_link_messages(std::span(bytes).first(bytes.size() - 4));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().errno_value, EBADMSG);
  // An attribute longer than its message.
  auto bad_attr = bytes;
  nlattr a{};
  std::memcpy(&a, bad_attr.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg)), sizeof a);
  a.nla_len = 200;
  std::memcpy(bad_attr.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg)), &a, sizeof a);
  EXPECT_FALSE(parse_link_messages(bad_attr));
  // A message too short for its ifinfomsg.
  Reply shortmsg;
  shortmsg.begin(RTM_NEWLINK);
  EXPECT_FALSE(parse_link_messages(shortmsg.bytes()));
}

TEST(NetLinks, KernelErrorAndInterruptedDumpCarryTheirErrno) {
  Reply refused;
  auto e = parse_link_messages(refused.error(EPERM).bytes());
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().errno_value, EPERM);
  Reply intr;
  intr.begin(RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR).link(2);
  auto i = parse_link_messages(intr.bytes());
  ASSERT_FALSE(i);
  EXPECT_EQ(i.error().errno_value, EINTR);
  Reply ack;  // an NLMSG_ERROR of 0 is an acknowledgement, not a failure
  EXPECT_TRUE(parse_link_messages(ack.error(0).bytes()));
}

// Found by fuzz_kernel_files: an error code of INT_MIN was negated (undefined behaviour).
// A code that is no negative errno is refused as a protocol error.
TEST(NetLinks, AnErrorCodeThatIsNoErrnoIsAProtocolError) {
  for (const int code : {std::numeric_limits<int>::min(), 5, -4096}) {
    Reply reply;
    std::vector<std::byte> bytes = reply.error(0).bytes();
    std::memcpy(bytes.data() + NLMSG_HDRLEN, &code, sizeof code);
    auto refused = parse_link_messages(bytes);
    ASSERT_FALSE(refused) << code;
    EXPECT_EQ(refused.error().errno_value, EPROTO) << code;
  }
}

TEST(NetLinks, VethPeersAreMatchedByNamespaceIdNotByIndex) {
  const std::vector<NetLink> links = {
      {1, "lo", "", 0, std::nullopt},
      {9, "vethB", "veth", 2, 5},
      {8, "vethA", "veth", 2, 5},
      {10, "vethC", "veth", 2, 6},              // same peer index, other namespace
      {11, "vxlan0", "vxlan", 3, 5},            // not a veth
      {12, "vethD", "veth", 13, std::nullopt},  // both ends here
  };
  EXPECT_EQ(veth_peers_in(links, 5), (std::vector<std::string>{"vethA", "vethB"}));
  EXPECT_EQ(veth_peers_in(links, 6), (std::vector<std::string>{"vethC"}));
  EXPECT_TRUE(veth_peers_in(links, 7).empty());
}

TEST(NetLinks, RealDumpMatchesSysfs) {
  auto links = list_net_links();
  ASSERT_TRUE(links) << links.error().message();
  std::size_t sysfs_count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net")) {
    ++sysfs_count;
    const std::string name = entry.path().filename();
    auto index = read_file(entry.path().string() + "/ifindex");
    ASSERT_TRUE(index) << name;
    const auto it = std::find_if(links->begin(), links->end(),
                                 [&](const NetLink& l) { return l.name == name; });
    ASSERT_NE(it, links->end()) << name << " missing from the dump";
    EXPECT_EQ(it->ifindex, std::stoi(*index)) << name;
  }
  EXPECT_EQ(links->size(), sysfs_count);
  EXPECT_TRUE(std::is_sorted(links->begin(), links->end(), [](const NetLink& a, const NetLink& b) {
    return a.ifindex < b.ifindex;
  }));
}

TEST(NetLinks, OwnNamespaceHasNoHostSideVeths) {
  auto veths = host_side_veths("/proc", ::getpid());
  ASSERT_TRUE(veths) << veths.error().message();
  EXPECT_TRUE(veths->empty());
}

TEST(NetLinks, ExitedProcessIsGone) {
  auto id = net_namespace_id("/proc/0/ns/net");
  ASSERT_FALSE(id);
  EXPECT_TRUE(is_gone(id.error())) << id.error().message();
  auto veths = host_side_veths("/proc", 0x7ffffff0);
  ASSERT_FALSE(veths);
  EXPECT_TRUE(is_gone(veths.error())) << veths.error().message();
}

}  // namespace
}  // namespace augur::host
