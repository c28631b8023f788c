#pragma once
// Network bandwidth of a container through Linux traffic control over netlink (libnl-route):
// a tbf (token bucket filter) root qdisc, handle 1:, on each host-side interface in
// Instance::interfaces (a veth's host end). A root qdisc shapes egress only, and the egress
// of the host end is the container's ingress: this limits traffic towards the container
// (its downloads). The container's own egress arrives as the host end's ingress, which a
// root qdisc cannot shape (that would need an ifb redirect or policing, which this backend
// does not do). Only the shaped direction is limited.
//
// Value: bytes/s for the instance, split evenly over its interfaces; rate per interface at
// most 2^31-1 bytes/s (libnl's tbf rate is an int). Burst: 10 ms of traffic at the rate, at
// least 16 KiB (a full-size or jumbo frame must fit the bucket or tbf drops it). Queue limit:
// what 50 ms of queueing at the rate holds, plus the burst. NaN removes a tbf root qdisc
// (the kernel restores the interface's default qdisc); a qdisc of another kind is left alone.
//
// The netlink socket is opened on first use, in the network namespace of the calling thread.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "augur/actuate/backend.h"
#include "augur/util/result.h"

struct nl_sock;  // libnl's socket

namespace augur::actuate {

// Bucket and queue sizing, exposed so the docs and tests use the same numbers.
inline constexpr double kTbfBurstSeconds = 0.010;
inline constexpr int kTbfMinBurstBytes = 16 * 1024;
inline constexpr int kTbfLatencyUsec = 50'000;

class TcBackend final : public Backend {
 public:
  TcBackend();
  ~TcBackend() override;
  TcBackend(const TcBackend&) = delete;
  TcBackend& operator=(const TcBackend&) = delete;

  [[nodiscard]] std::string_view name() const override { return "tc"; }
  // Network only, with at least one interface; once the kernel refused the tbf kind (ENOENT
  // or EOPNOTSUPP: no sch_tbf), says so for every instance.
  [[nodiscard]] std::optional<std::string> unsupported(const Instance& instance,
                                                       Resource r) const override;
  // Sum of the tbf rates on the interfaces; NaN when any of them has no tbf root qdisc.
  Result<double> read(const Instance& instance, Resource r) override;
  Result<double> apply(const Instance& instance, Resource r, double value) override;

 private:
  struct SocketFree {
    void operator()(nl_sock* s) const;
  };

  Result<nl_sock*> socket();
  Status check(const Instance& instance, Resource r) const;

  std::unique_ptr<nl_sock, SocketFree> sock_;
  std::optional<std::string> tbf_unavailable_;
};

}  // namespace augur::actuate
