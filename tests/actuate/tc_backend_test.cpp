// TcBackend on the real kernel: each test runs on a thread that moved into a private network
// namespace (unshare(CLONE_NEWNET) is per task, so the test process's other threads keep
// theirs), creates veth pairs there with libnl and reads the qdiscs back over netlink.
#include "augur/actuate/tc_backend.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <sched.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace augur::actuate {
namespace {

struct SocketFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
using Socket = std::unique_ptr<nl_sock, SocketFree>;

// Runs `body` on a thread in a new, empty network namespace; the namespace goes away with
// the thread.
void in_private_netns(const std::function<void()>& body) {
  int unshare_errno = 0;
  std::thread worker([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      unshare_errno = errno;
      return;
    }
    body();
  });
  worker.join();
  ASSERT_EQ(unshare_errno, 0) << "unshare(CLONE_NEWNET): " << std::strerror(unshare_errno);
}

Socket route_socket() {
  Socket sock(nl_socket_alloc());
  EXPECT_NE(sock, nullptr);
  if (sock) {
    EXPECT_EQ(nl_connect(sock.get(), NETLINK_ROUTE), 0);
  }
  return sock;
}

// Brings an existing interface up through netlink.
void set_up(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  ASSERT_EQ(rtnl_link_get_kernel(sock, 0, name.c_str(), &link), 0) << name;
  rtnl_link* change = rtnl_link_alloc();
  rtnl_link_set_flags(change, IFF_UP);
  const int err = rtnl_link_change(sock, link, change, 0);
  rtnl_link_put(change);
  rtnl_link_put(link);
  ASSERT_EQ(err, 0) << name << ": " << nl_geterror(err);
}

bool is_up(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  if (rtnl_link_get_kernel(sock, 0, name.c_str(), &link) != 0) return false;
  const bool up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  rtnl_link_put(link);
  return up;
}

// A veth pair with both ends up; `host` is the end the backend shapes. (libnl 3.7 fails to
// encode flags on the peer at creation, so both ends are brought up afterwards.)
void add_veth(nl_sock* sock, const std::string& host, const std::string& peer_name) {
  rtnl_link* veth = rtnl_link_veth_alloc();
  ASSERT_NE(veth, nullptr);
  rtnl_link_set_name(veth, host.c_str());
  rtnl_link* peer = rtnl_link_veth_get_peer(veth);
  rtnl_link_set_name(peer, peer_name.c_str());
  rtnl_link_put(peer);
  const int err = rtnl_link_add(sock, veth, NLM_F_CREATE | NLM_F_EXCL);
  rtnl_link_veth_release(veth);
  ASSERT_EQ(err, 0) << nl_geterror(err);
  ASSERT_NO_FATAL_FAILURE(set_up(sock, host));
  ASSERT_NO_FATAL_FAILURE(set_up(sock, peer_name));
  EXPECT_TRUE(is_up(sock, host));
  EXPECT_TRUE(is_up(sock, peer_name));
}

// What the kernel holds as the interface's root qdisc, read independently of the backend.
struct RootQdisc {
  std::string kind;  // empty: none reported
  int rate_bytes_per_s = -1;
  int bucket_bytes = -1;
  int limit_bytes = -1;
};

RootQdisc root_qdisc(nl_sock* sock, const std::string& iface) {
  RootQdisc out;
  const int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
  EXPECT_GT(ifindex, 0) << iface;
  nl_cache* cache = nullptr;
  EXPECT_EQ(rtnl_qdisc_alloc_cache(sock, &cache), 0);
  if (cache == nullptr) return out;
  if (rtnl_qdisc* q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT)) {
    out.kind = rtnl_tc_get_kind(TC_CAST(q));
    if (out.kind == "tbf") {
      out.rate_bytes_per_s = rtnl_qdisc_tbf_get_rate(q);
      out.bucket_bytes = rtnl_qdisc_tbf_get_rate_bucket(q);
      out.limit_bytes = rtnl_qdisc_tbf_get_limit(q);
    }
    rtnl_qdisc_put(q);
  }
  nl_cache_free(cache);
  return out;
}

Instance container(std::vector<std::string> interfaces) {
  Instance inst;
  inst.id = "cgroup:/test/tc";
  inst.name = "tc-test";
  inst.kind = InstanceKind::kContainer;
  inst.interfaces = std::move(interfaces);
  return inst;
}

TEST(TcBackend, AppliesReadsChangesAndRemovesATbfOnTheHostEnd) {
  in_private_netns([] {
    Socket sock = route_socket();
    ASSERT_TRUE(sock);
    ASSERT_NO_FATAL_FAILURE(add_veth(sock.get(), "augur-h0", "augur-c0"));
    TcBackend backend;
    const Instance inst = container({"augur-h0"});

    auto before = backend.read(inst, Resource::kNetwork);
    ASSERT_TRUE(before) << before.error().message();
    EXPECT_TRUE(std::isnan(*before));
    EXPECT_NE(root_qdisc(sock.get(), "augur-h0").kind, "tbf");

    auto applied = backend.apply(inst, Resource::kNetwork, 1e6);
    ASSERT_TRUE(applied) << applied.error().message();
    EXPECT_EQ(*applied, 1e6);
    RootQdisc q = root_qdisc(sock.get(), "augur-h0");
    EXPECT_EQ(q.kind, "tbf");
    EXPECT_EQ(q.rate_bytes_per_s, 1'000'000);
    EXPECT_EQ(q.bucket_bytes, kTbfMinBurstBytes);  // 10 ms at 1 MB/s is below the floor
    // Queue: 50 ms at the rate plus the bucket (libnl rounds through its own tick units).
    EXPECT_NEAR(q.limit_bytes, 1e6 * kTbfLatencyUsec / 1e6 + kTbfMinBurstBytes, 64);
    // The peer (the container's end) is not shaped.
    EXPECT_NE(root_qdisc(sock.get(), "augur-c0").kind, "tbf");

    auto changed = backend.apply(inst, Resource::kNetwork, 5e6);
    ASSERT_TRUE(changed) << changed.error().message();
    EXPECT_EQ(*changed, 5e6);
    q = root_qdisc(sock.get(), "augur-h0");
    EXPECT_EQ(q.rate_bytes_per_s, 5'000'000);
    EXPECT_NEAR(q.bucket_bytes, 5e6 * kTbfBurstSeconds, 64);

    auto removed = backend.apply(inst, Resource::kNetwork, kUnknown);
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_TRUE(std::isnan(*removed));
    EXPECT_NE(root_qdisc(sock.get(), "augur-h0").kind, "tbf");
    auto again = backend.apply(inst, Resource::kNetwork, kUnknown);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_TRUE(std::isnan(*again));
  });
}

TEST(TcBackend, SplitsTheValueOverInterfacesAndSumsOnRead) {
  in_private_netns([] {
    Socket sock = route_socket();
    ASSERT_TRUE(sock);
    ASSERT_NO_FATAL_FAILURE(add_veth(sock.get(), "augur-h0", "augur-c0"));
    ASSERT_NO_FATAL_FAILURE(add_veth(sock.get(), "augur-h1", "augur-c1"));
    TcBackend backend;
    const Instance inst = container({"augur-h0", "augur-h1"});
    auto applied = backend.apply(inst, Resource::kNetwork, 3e6);
    ASSERT_TRUE(applied) << applied.error().message();
    EXPECT_EQ(*applied, 3e6);
    EXPECT_EQ(root_qdisc(sock.get(), "augur-h0").rate_bytes_per_s, 1'500'000);
    EXPECT_EQ(root_qdisc(sock.get(), "augur-h1").rate_bytes_per_s, 1'500'000);
    // One interface unshaped: the instance as a whole is unlimited.
    auto one = backend.apply(container({"augur-h1"}), Resource::kNetwork, kUnknown);
    ASSERT_TRUE(one) << one.error().message();
    auto read = backend.read(inst, Resource::kNetwork);
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_TRUE(std::isnan(*read));
  });
}

TEST(TcBackend, LeavesAnotherKindOfRootQdiscAlone) {
  in_private_netns([] {
    Socket sock = route_socket();
    ASSERT_TRUE(sock);
    ASSERT_NO_FATAL_FAILURE(add_veth(sock.get(), "augur-h0", "augur-c0"));
    rtnl_qdisc* fifo = rtnl_qdisc_alloc();
    rtnl_tc_set_ifindex(TC_CAST(fifo), static_cast<int>(if_nametoindex("augur-h0")));
    rtnl_tc_set_parent(TC_CAST(fifo), TC_H_ROOT);
    rtnl_tc_set_handle(TC_CAST(fifo), 0x00020000U);
    ASSERT_EQ(rtnl_tc_set_kind(TC_CAST(fifo), "pfifo"), 0);
    rtnl_qdisc_fifo_set_limit(fifo, 100);  // packets; libnl insists on one
    const int err = rtnl_qdisc_add(sock.get(), fifo, NLM_F_CREATE);
    rtnl_qdisc_put(fifo);
    ASSERT_EQ(err, 0) << nl_geterror(err);

    TcBackend backend;
    auto removed = backend.apply(container({"augur-h0"}), Resource::kNetwork, kUnknown);
    ASSERT_TRUE(removed) << removed.error().message();
    EXPECT_TRUE(std::isnan(*removed));
    EXPECT_EQ(root_qdisc(sock.get(), "augur-h0").kind, "pfifo");
  });
}

TEST(TcBackend, ReportsErrorsAndWhatItCannotDo) {
  in_private_netns([] {
    TcBackend backend;
    const Instance inst = container({"augur-none"});
    auto missing = backend.apply(inst, Resource::kNetwork, 1e6);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errno_value, ENODEV);
    EXPECT_EQ(missing.error().where, "augur-none");
    EXPECT_EQ(backend.unsupported(inst, Resource::kNetwork), std::nullopt);

    auto too_low = backend.apply(inst, Resource::kNetwork, 100.0);
    ASSERT_FALSE(too_low);
    EXPECT_EQ(too_low.error().errno_value, EINVAL);
    auto too_high = backend.apply(inst, Resource::kNetwork, 1e10);
    ASSERT_FALSE(too_high);
    EXPECT_EQ(too_high.error().errno_value, EINVAL);

    EXPECT_EQ(backend.unsupported(inst, Resource::kCpu),
              "traffic control shapes network bandwidth only");
    EXPECT_EQ(backend.unsupported(container({}), Resource::kNetwork),
              "no host-side interface known for this instance");
    auto wrong = backend.read(inst, Resource::kMemory);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().errno_value, EOPNOTSUPP);
  });
}

}  // namespace
}  // namespace augur::actuate
