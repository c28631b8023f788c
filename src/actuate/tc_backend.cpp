#include "augur/actuate/tc_backend.h"

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

namespace augur::actuate {
namespace {

constexpr std::uint32_t kTbfHandle = 0x00010000U;  // 1:
constexpr const char* kTbfKind = "tbf";
// Below this the bucket's drain time (16 KiB / rate) no longer fits tbf's 32-bit buffer.
constexpr long long kMinRateBytesPerS = 1024;
constexpr long long kMaxRateBytesPerS = std::numeric_limits<int>::max();

struct QdiscPut {
  void operator()(rtnl_qdisc* q) const { rtnl_qdisc_put(q); }
};
using QdiscHandle = std::unique_ptr<rtnl_qdisc, QdiscPut>;
struct CacheFree {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using CacheHandle = std::unique_ptr<nl_cache, CacheFree>;
struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
using LinkHandle = std::unique_ptr<rtnl_link, LinkPut>;

// libnl turns the kernel's errno into NLE_* codes; turn the common ones back.
int errno_of(int nl_err) {
  switch (std::abs(nl_err)) {
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_NODEV: return ENODEV;
    case NLE_PERM: return EPERM;
    case NLE_NOACCESS: return EACCES;
    case NLE_INVAL: return EINVAL;
    case NLE_NOMEM: return ENOMEM;
    case NLE_BUSY: return EBUSY;
    case NLE_EXIST: return EEXIST;
    case NLE_RANGE: return ERANGE;
    case NLE_AGAIN: return EAGAIN;
    case NLE_INTR: return EINTR;
    default: return EIO;
  }
}

Error nl_error(const std::string& call, const std::string& where, int nl_err) {
  return Error{call + " failed: " + nl_geterror(nl_err), where, errno_of(nl_err)};
}

Result<int> ifindex_of(nl_sock* sock, const std::string& iface) {
  rtnl_link* raw = nullptr;
  const int err = rtnl_link_get_kernel(sock, 0, iface.c_str(), &raw);
  if (err < 0) {
    Error e = nl_error("rtnl_link_get_kernel", iface, err);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) e.errno_value = ENODEV;
    return e;
  }
  const LinkHandle link(raw);
  return rtnl_link_get_ifindex(link.get());
}

// The interface's root qdisc; null when the kernel reports none.
Result<QdiscHandle> root_qdisc(nl_sock* sock, int ifindex, const std::string& iface) {
  nl_cache* raw = nullptr;
  const int err = rtnl_qdisc_alloc_cache(sock, &raw);
  if (err < 0) return nl_error("rtnl_qdisc_alloc_cache", iface, err);
  const CacheHandle cache(raw);
  return QdiscHandle(rtnl_qdisc_get_by_parent(cache.get(), ifindex, TC_H_ROOT));
}

bool is_tbf(rtnl_qdisc* q) {
  const char* kind = rtnl_tc_get_kind(TC_CAST(q));
  return kind != nullptr && std::strcmp(kind, kTbfKind) == 0;
}

// bytes/s of the tbf root qdisc; NaN when the root qdisc is of another kind or absent.
Result<double> read_rate(nl_sock* sock, const std::string& iface) {
  auto ifindex = ifindex_of(sock, iface);
  if (!ifindex) return std::move(ifindex).error();
  auto root = root_qdisc(sock, *ifindex, iface);
  if (!root) return std::move(root).error();
  if (*root == nullptr || !is_tbf(root->get())) return kUnknown;
  const int rate = rtnl_qdisc_tbf_get_rate(root->get());
  if (rate < 0) return Error{"tbf root qdisc without a rate", iface, EIO};
  return static_cast<double>(rate);
}

Status set_tbf(nl_sock* sock, const std::string& iface, int rate_bytes_per_s) {
  auto ifindex = ifindex_of(sock, iface);
  if (!ifindex) return std::move(ifindex).error();
  const QdiscHandle q(rtnl_qdisc_alloc());
  if (!q) return Error{"rtnl_qdisc_alloc failed", iface, ENOMEM};
  rtnl_tc* tc = TC_CAST(q.get());
  rtnl_tc_set_ifindex(tc, *ifindex);
  rtnl_tc_set_parent(tc, TC_H_ROOT);
  rtnl_tc_set_handle(tc, kTbfHandle);
  if (const int err = rtnl_tc_set_kind(tc, kTbfKind); err < 0) {
    return nl_error("rtnl_tc_set_kind tbf", iface, err);
  }
  const int burst_bytes = std::max(
      kTbfMinBurstBytes, static_cast<int>(std::lround(rate_bytes_per_s * kTbfBurstSeconds)));
  rtnl_qdisc_tbf_set_rate(q.get(), rate_bytes_per_s, burst_bytes, 0);
  if (const int err = rtnl_qdisc_tbf_set_limit_by_latency(q.get(), kTbfLatencyUsec); err < 0) {
    return nl_error("rtnl_qdisc_tbf_set_limit_by_latency", iface, err);
  }
  // CREATE|REPLACE: creates 1: over the default qdisc, changes an existing tbf 1: in place.
  if (const int err = rtnl_qdisc_add(sock, q.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0) {
    return nl_error("rtnl_qdisc_add tbf", iface, err);
  }
  return {};
}

Status remove_tbf(nl_sock* sock, const std::string& iface) {
  auto ifindex = ifindex_of(sock, iface);
  if (!ifindex) return std::move(ifindex).error();
  auto root = root_qdisc(sock, *ifindex, iface);
  if (!root) return std::move(root).error();
  if (*root == nullptr || !is_tbf(root->get())) return {};  // not ours: leave it
  if (const int err = rtnl_qdisc_delete(sock, root->get()); err < 0) {
    return nl_error("rtnl_qdisc_delete tbf", iface, err);
  }
  return {};
}

}  // namespace

void TcBackend::SocketFree::operator()(nl_sock* s) const {
  nl_socket_free(s);  // closes it too
}

TcBackend::TcBackend() = default;
TcBackend::~TcBackend() = default;

Result<nl_sock*> TcBackend::socket() {
  if (sock_) return sock_.get();
  std::unique_ptr<nl_sock, SocketFree> sock(nl_socket_alloc());
  if (!sock) return Error{"nl_socket_alloc failed", "NETLINK_ROUTE", ENOMEM};
  if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return nl_error("nl_connect", "NETLINK_ROUTE", err);
  }
  sock_ = std::move(sock);
  return sock_.get();
}

std::optional<std::string> TcBackend::unsupported(const Instance& instance, Resource r) const {
  if (r != Resource::kNetwork) return "traffic control shapes network bandwidth only";
  if (instance.interfaces.empty()) return "no host-side interface known for this instance";
  return tbf_unavailable_;
}

Status TcBackend::check(const Instance& instance, Resource r) const {
  if (auto reason = unsupported(instance, r)) {
    return Error{*reason, instance.name.empty() ? instance.id : instance.name, EOPNOTSUPP};
  }
  return {};
}

Result<double> TcBackend::read(const Instance& instance, Resource r) {
  if (auto ok = check(instance, r); !ok) return ok.error();
  auto sock = socket();
  if (!sock) return std::move(sock).error();
  double total = 0;
  for (const auto& iface : instance.interfaces) {
    auto rate = read_rate(*sock, iface);
    if (!rate) return std::move(rate).error();
    if (std::isnan(*rate)) return kUnknown;
    total += *rate;
  }
  return total;
}

Result<double> TcBackend::apply(const Instance& instance, Resource r, double value) {
  if (auto ok = check(instance, r); !ok) return ok.error();
  auto sock = socket();
  if (!sock) return std::move(sock).error();
  if (std::isnan(value)) {
    for (const auto& iface : instance.interfaces) {
      if (auto done = remove_tbf(*sock, iface); !done) return done.error();
    }
    return read(instance, r);
  }
  const double per_iface = value / static_cast<double>(instance.interfaces.size());
  if (!(per_iface >= kMinRateBytesPerS && per_iface <= kMaxRateBytesPerS)) {
    return Error{"tbf rate per interface must be between " + std::to_string(kMinRateBytesPerS) +
                     " and " + std::to_string(kMaxRateBytesPerS) + " bytes/s",
                 instance.name, EINVAL};
  }
  const auto rate = static_cast<int>(std::llround(per_iface));
  for (const auto& iface : instance.interfaces) {
    auto done = set_tbf(*sock, iface, rate);
    if (!done) {
      const int err = done.error().errno_value;
      if (err == ENOENT || err == EOPNOTSUPP) {
        tbf_unavailable_ = "sch_tbf not available on this kernel: " + done.error().what;
      }
      return done.error();
    }
  }
  return read(instance, r);
}

}  // namespace augur::actuate
