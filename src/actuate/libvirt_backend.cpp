#include "augur/actuate/libvirt_backend.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <thread>
#include <utility>

#include "augur/discovery/libvirt_block_tune.h"
#include "augur/discovery/libvirt_connection.h"
#include "libvirt_blkio.h"
#include "libvirt_calls.h"

namespace augur::actuate {
namespace {

using detail::DomainHandle;
using detail::libvirt_error;
using detail::ParamsIn;
using detail::ParamsOut;
using detail::where_of;

constexpr double kBytesPerKib = 1024.0;
// libvirt's accepted range for a CFS quota; below 0 means no quota.
constexpr long long kMinQuotaUsec = 1000;
constexpr long long kMaxQuotaUsec = 17592186044415LL;
constexpr long long kNoQuota = -1;
constexpr unsigned kLive = VIR_DOMAIN_AFFECT_LIVE;
// Getters take CURRENT (0): the live state of a running domain. The test driver rejects an
// explicit LIVE flag on some getters.
constexpr unsigned kCurrent = 0;

Error invalid(std::string what, const Instance& inst) {
  return Error{std::move(what), where_of(inst), EINVAL};
}

// --- CPU ----------------------------------------------------------------------------------

struct SchedQuota {
  std::optional<long long> vcpu_quota;
  std::optional<unsigned long long> vcpu_period;
  std::optional<long long> global_quota;
  std::optional<unsigned long long> global_period;

  [[nodiscard]] bool has_vcpu() const { return vcpu_quota && vcpu_period && *vcpu_period > 0; }
  [[nodiscard]] bool has_global() const {
    return global_quota && global_period && *global_period > 0;
  }
};

// The quota parameters the driver reports; none when it has no scheduler parameters.
Result<SchedQuota> read_sched(virDomainPtr dom, const Instance& inst) {
  int count = 0;
  char* type = virDomainGetSchedulerType(dom, &count);
  if (type == nullptr) {
    if (detail::last_error_is_no_support()) return SchedQuota{};
    return libvirt_error("virDomainGetSchedulerType", where_of(inst));
  }
  free(type);  // NOLINT(cppcoreguidelines-no-malloc): libvirt mallocs
  SchedQuota out;
  if (count <= 0) return out;
  ParamsIn params(count);
  // The flag-less call: libvirt adds VIR_TYPED_PARAM_STRING_OKAY to the Flags variant, which
  // the test driver rejects; without flags a running domain reports its live values.
  if (virDomainGetSchedulerParameters(dom, params.data(), params.count()) < 0) {
    return libvirt_error("virDomainGetSchedulerParameters", where_of(inst));
  }
  out.vcpu_quota = params.get_llong(VIR_DOMAIN_SCHEDULER_VCPU_QUOTA);
  out.vcpu_period = params.get_ullong(VIR_DOMAIN_SCHEDULER_VCPU_PERIOD);
  out.global_quota = params.get_llong(VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA);
  out.global_period = params.get_ullong(VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD);
  return out;
}

Result<virDomainInfo> domain_info(virDomainPtr dom, const Instance& inst) {
  virDomainInfo info{};
  if (virDomainGetInfo(dom, &info) < 0) return libvirt_error("virDomainGetInfo", where_of(inst));
  return info;
}

// Cores the domain may use: its vCPUs, capped by a per-vCPU and a global quota when set
// (quotas <= 0 mean none).
Result<double> read_cpu(virDomainPtr dom, const Instance& inst) {
  auto info = domain_info(dom, inst);
  if (!info) return std::move(info).error();
  auto sched = read_sched(dom, inst);
  if (!sched) return std::move(sched).error();
  const double vcpus = info->nrVirtCpu;
  double cores = vcpus;
  if (sched->has_vcpu() && *sched->vcpu_quota > 0) {
    cores = std::min(cores, vcpus * static_cast<double>(*sched->vcpu_quota) /
                                static_cast<double>(*sched->vcpu_period));
  }
  if (sched->has_global() && *sched->global_quota > 0) {
    cores = std::min(cores, static_cast<double>(*sched->global_quota) /
                                static_cast<double>(*sched->global_period));
  }
  return cores;
}

long long clamp_quota(double quota_usec) {
  return std::clamp(std::llround(quota_usec), kMinQuotaUsec, kMaxQuotaUsec);
}

Status set_quota(virDomainPtr dom, const Instance& inst, const char* field, long long quota) {
  ParamsOut params;
  if (!params.add_llong(field, quota) ||
      virDomainSetSchedulerParametersFlags(dom, params.data(), params.count(), kLive) < 0) {
    return libvirt_error("virDomainSetSchedulerParametersFlags", where_of(inst));
  }
  return {};
}

// Fallback for drivers without quota parameters: cores rounded up to whole vCPUs, within the
// live maximum; NaN (no limit) plugs all of them.
Status set_vcpu_count(virDomainPtr dom, const Instance& inst, double cores) {
  const int max_vcpus =
      virDomainGetVcpusFlags(dom, kLive | static_cast<unsigned>(VIR_DOMAIN_VCPU_MAXIMUM));
  if (max_vcpus < 0) return libvirt_error("virDomainGetVcpusFlags", where_of(inst));
  const double wanted = std::isnan(cores) ? max_vcpus : std::ceil(cores);
  if (wanted > max_vcpus) {
    return invalid(std::to_string(static_cast<long long>(wanted)) +
                       " vCPUs requested, the live maximum is " + std::to_string(max_vcpus),
                   inst);
  }
  if (virDomainSetVcpusFlags(dom, static_cast<unsigned>(wanted), kLive) < 0) {
    return libvirt_error("virDomainSetVcpusFlags", where_of(inst));
  }
  return {};
}

Status apply_cpu(virDomainPtr dom, const Instance& inst, double cores) {
  if (!std::isnan(cores) && !(cores > 0)) return invalid("CPU cores must be > 0", inst);
  auto info = domain_info(dom, inst);
  if (!info) return std::move(info).error();
  auto sched = read_sched(dom, inst);
  if (!sched) return std::move(sched).error();
  const double vcpus = info->nrVirtCpu;
  if (sched->has_vcpu()) {
    // A vCPU thread never uses more than one CPU: a share at or above all vCPUs is no quota.
    const long long quota =
        std::isnan(cores) || cores >= vcpus
            ? kNoQuota
            : clamp_quota(cores / vcpus * static_cast<double>(*sched->vcpu_period));
    return set_quota(dom, inst, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, quota);
  }
  if (sched->has_global()) {
    const long long quota = std::isnan(cores)
                                ? kNoQuota
                                : clamp_quota(cores * static_cast<double>(*sched->global_period));
    return set_quota(dom, inst, VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA, quota);
  }
  return set_vcpu_count(dom, inst, cores);
}

// --- memory -------------------------------------------------------------------------------

Result<double> read_memory(virDomainPtr dom, const Instance& inst) {
  auto info = domain_info(dom, inst);
  if (!info) return std::move(info).error();
  return static_cast<double>(info->memory) * kBytesPerKib;
}

// The balloon target is a request: the guest hands pages back (or takes them) over seconds,
// and libvirt's current size follows QEMU's balloon events (at most one a second). Wait while
// it moves toward the target so the read-back sees where it settled; a guest that has not
// moved for kBalloonStill (no driver, or stalled) is left to the retry. Bounded by
// kBalloonWait: the actuator thread serves other instances too.
constexpr auto kBalloonPoll = std::chrono::milliseconds(100);
constexpr auto kBalloonStill = std::chrono::milliseconds(1500);
constexpr auto kBalloonWait = std::chrono::seconds(5);
constexpr double kBalloonToleranceKib = 1024;

void wait_for_balloon(virDomainPtr dom, const Instance& inst, double target_kib) {
  using Steady = std::chrono::steady_clock;
  const auto start = Steady::now();
  auto moved_at = start;
  double last = std::numeric_limits<double>::quiet_NaN();
  while (Steady::now() - start < kBalloonWait) {
    auto info = domain_info(dom, inst);
    if (!info) return;
    const auto now_kib = static_cast<double>(info->memory);
    if (std::abs(now_kib - target_kib) <= kBalloonToleranceKib) return;
    if (now_kib != last) {
      last = now_kib;
      moved_at = Steady::now();
    } else if (Steady::now() - moved_at >= kBalloonStill) {
      return;
    }
    std::this_thread::sleep_for(kBalloonPoll);
  }
}

Status apply_memory(virDomainPtr dom, const Instance& inst, double bytes) {
  const unsigned long max_kib = virDomainGetMaxMemory(dom);
  if (max_kib == 0) return libvirt_error("virDomainGetMaxMemory", where_of(inst));
  const double kib =
      std::isnan(bytes) ? static_cast<double>(max_kib) : std::floor(bytes / kBytesPerKib);
  if (!(kib >= 1) || kib > static_cast<double>(max_kib)) {
    return invalid("balloon target must be between 1 and " + std::to_string(max_kib) + " KiB",
                   inst);
  }
  if (virDomainSetMemoryFlags(dom, static_cast<unsigned long>(kib), kLive) < 0) {
    return libvirt_error("virDomainSetMemoryFlags", where_of(inst));
  }
  wait_for_balloon(dom, inst, kib);
  return {};
}

// --- disk ---------------------------------------------------------------------------------

// Sum over the disks; NaN when any disk is unthrottled (0). The same reading as discovery's.
Result<double> read_disk(virDomainPtr dom, const Instance& inst) {
  auto total = discovery::read_disk_throttle_bytes_per_s(dom, inst.disks);
  if (!total)
    return libvirt_error("virDomainGetBlockIoTune " + total.error().where, where_of(inst));
  return *total;
}

Status apply_disk(virDomainPtr dom, const Instance& inst, double bytes_per_s,
                  const std::optional<BlkioCgroups>& blkio) {
  if (!std::isnan(bytes_per_s) && !(bytes_per_s > 0)) {
    return invalid("disk bandwidth must be > 0 bytes/s", inst);
  }
  // 0 removes the throttle; a limit never rounds down to 0.
  const unsigned long long per_disk =
      std::isnan(bytes_per_s)
          ? 0
          : std::max(1ULL, static_cast<unsigned long long>(
                               std::llround(bytes_per_s / static_cast<double>(inst.disks.size()))));
  for (const auto& disk : inst.disks) {
    ParamsOut params;
    if (!params.add_ullong(VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC, per_disk) ||
        virDomainSetBlockIoTune(dom, disk.c_str(), params.data(), params.count(), kLive) < 0) {
      return libvirt_error("virDomainSetBlockIoTune " + disk, where_of(inst));
    }
  }
  if (blkio) return detail::apply_blkio_device_throttle(dom, inst, per_disk, *blkio);
  return {};
}

// --- network ------------------------------------------------------------------------------

// The larger of the inbound and outbound averages in KiB/s; 0 when either is unlimited.
Result<unsigned> read_interface_limit(virDomainPtr dom, const Instance& inst,
                                      const std::string& iface) {
  int count = 0;
  if (virDomainGetInterfaceParameters(dom, iface.c_str(), nullptr, &count, kCurrent) < 0) {
    return libvirt_error("virDomainGetInterfaceParameters " + iface, where_of(inst));
  }
  ParamsIn params(count);
  if (virDomainGetInterfaceParameters(dom, iface.c_str(), params.data(), params.count(), kCurrent) <
      0) {
    return libvirt_error("virDomainGetInterfaceParameters " + iface, where_of(inst));
  }
  const unsigned in = params.get_uint(VIR_DOMAIN_BANDWIDTH_IN_AVERAGE).value_or(0);
  const unsigned out = params.get_uint(VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE).value_or(0);
  return in == 0 || out == 0 ? 0U : std::max(in, out);
}

Result<double> read_network(virDomainPtr dom, const Instance& inst) {
  double total = 0;
  for (const auto& iface : inst.interfaces) {
    auto kib_per_s = read_interface_limit(dom, inst, iface);
    if (!kib_per_s) return std::move(kib_per_s).error();
    if (*kib_per_s == 0) return kUnknown;
    total += static_cast<double>(*kib_per_s) * kBytesPerKib;
  }
  return inst.interfaces.empty() ? kUnknown : total;
}

Status apply_network(virDomainPtr dom, const Instance& inst, double bytes_per_s) {
  if (!std::isnan(bytes_per_s) && !(bytes_per_s > 0)) {
    return invalid("network bandwidth must be > 0 bytes/s", inst);
  }
  const double kib = std::isnan(bytes_per_s)
                         ? 0
                         : std::max(1.0, std::round(bytes_per_s / kBytesPerKib /
                                                    static_cast<double>(inst.interfaces.size())));
  if (kib > std::numeric_limits<unsigned>::max()) {
    return invalid("network bandwidth exceeds libvirt's 32-bit KiB/s average", inst);
  }
  // Average 0 removes the direction's limit.
  const auto average = static_cast<unsigned>(kib);
  for (const auto& iface : inst.interfaces) {
    ParamsOut params;
    if (!params.add_uint(VIR_DOMAIN_BANDWIDTH_IN_AVERAGE, average) ||
        !params.add_uint(VIR_DOMAIN_BANDWIDTH_OUT_AVERAGE, average) ||
        virDomainSetInterfaceParameters(dom, iface.c_str(), params.data(), params.count(), kLive) <
            0) {
      return libvirt_error("virDomainSetInterfaceParameters " + iface, where_of(inst));
    }
  }
  return {};
}

Result<double> read_resource(virDomainPtr dom, const Instance& inst, Resource r) {
  switch (r) {
    case Resource::kCpu: return read_cpu(dom, inst);
    case Resource::kMemory: return read_memory(dom, inst);
    case Resource::kDisk: return read_disk(dom, inst);
    case Resource::kNetwork: return read_network(dom, inst);
  }
  return invalid("unknown resource", inst);
}

Status apply_resource(virDomainPtr dom, const Instance& inst, Resource r, double value,
                      const std::optional<BlkioCgroups>& blkio) {
  switch (r) {
    case Resource::kCpu: return apply_cpu(dom, inst, value);
    case Resource::kMemory: return apply_memory(dom, inst, value);
    case Resource::kDisk: return apply_disk(dom, inst, value, blkio);
    case Resource::kNetwork: return apply_network(dom, inst, value);
  }
  return invalid("unknown resource", inst);
}

// Reasons that need no libvirt call.
std::optional<std::string> static_reason(const Instance& inst, Resource r) {
  if (inst.kind != InstanceKind::kVirtualMachine) {
    return "the libvirt backend changes virtual machines only";
  }
  if (r == Resource::kDisk && inst.disks.empty()) return "no disks known for this domain";
  if (r == Resource::kNetwork && inst.interfaces.empty()) {
    return "no interfaces known for this domain";
  }
  return std::nullopt;
}

}  // namespace

LibvirtBackend::LibvirtBackend(ConnectionGetter get_connection, FailureHook on_failure,
                               std::optional<BlkioCgroups> blkio)
    : get_connection_(std::move(get_connection)),
      on_failure_(std::move(on_failure)),
      blkio_(std::move(blkio)) {
  detail::silence_libvirt_errors();
}

LibvirtBackend::LibvirtBackend(discovery::LibvirtConnection& connection,
                               std::optional<BlkioCgroups> blkio)
    : LibvirtBackend([&connection] { return connection.get(); },
                     [&connection] { connection.check_after_failure(); }, std::move(blkio)) {}

namespace {

Result<DomainHandle> lookup(const LibvirtBackend::ConnectionGetter& get_connection,
                            const Instance& inst) {
  if (auto reason = static_reason(inst, Resource::kCpu)) {
    return Error{*reason, where_of(inst), EINVAL};
  }
  auto conn = get_connection();
  if (!conn) {
    Error e = std::move(conn).error();
    e.errno_value = ENOTCONN;  // the getter backs off and reopens: retry
    return e;
  }
  virDomainPtr dom = virDomainLookupByUUIDString(*conn, inst.id.c_str());
  if (dom == nullptr) return libvirt_error("virDomainLookupByUUIDString", where_of(inst));
  return DomainHandle(dom);
}

}  // namespace

std::optional<std::string> LibvirtBackend::unsupported(const Instance& instance, Resource r) const {
  if (auto reason = static_reason(instance, r)) return reason;
  if (r != Resource::kDisk && r != Resource::kNetwork) return std::nullopt;
  // Probe the driver with the matching getter: a driver that lacks the getter lacks the
  // setter too. Any other failure (connection, vanished domain) is not a reason: apply()
  // reports it and the caller retries.
  auto dom = lookup(get_connection_, instance);
  if (!dom) return std::nullopt;
  int count = 0;
  const int rc =
      r == Resource::kDisk
          ? virDomainGetBlockIoTune(dom->get(), instance.disks.front().c_str(), nullptr, &count,
                                    VIR_TYPED_PARAM_STRING_OKAY)
          : virDomainGetInterfaceParameters(dom->get(), instance.interfaces.front().c_str(),
                                            nullptr, &count, kCurrent);
  if (rc < 0 && detail::last_error_is_no_support()) {
    const std::string message = detail::last_error_message();  // the next call resets it
    const char* driver = virConnectGetType(virDomainGetConnect(dom->get()));
    return std::string("libvirt driver ") + (driver != nullptr ? driver : "?") + " has no " +
           (r == Resource::kDisk ? "block I/O tuning" : "interface bandwidth") + ": " + message;
  }
  return std::nullopt;
}

Result<double> LibvirtBackend::read(const Instance& instance, Resource r) {
  auto dom = lookup(get_connection_, instance);
  Result<double> out = dom ? read_resource(dom->get(), instance, r) : Result<double>(dom.error());
  if (!out && on_failure_) on_failure_();
  return out;
}

Result<double> LibvirtBackend::apply(const Instance& instance, Resource r, double value) {
  auto dom = lookup(get_connection_, instance);
  if (!dom) {
    if (on_failure_) on_failure_();
    return std::move(dom).error();
  }
  const auto done = apply_resource(dom->get(), instance, r, value, blkio_);
  Result<double> out = done ? read_resource(dom->get(), instance, r) : Result<double>(done.error());
  if (!out && on_failure_) on_failure_();
  return out;
}

}  // namespace augur::actuate
