#include "augur/discovery/libvirt_source.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "augur/discovery/domain_xml.h"
#include "augur/discovery/libvirt_block_tune.h"
#include "augur/discovery/qemu_process.h"

namespace augur::discovery {
namespace {

constexpr double kBytesPerKib = 1024.0;

struct DomainFree {
  void operator()(virDomain* d) const { virDomainFree(d); }
};
using DomainHandle = std::unique_ptr<virDomain, DomainFree>;

struct FreeDeleter {
  void operator()(void* p) const {
    free(p);
  }  // NOLINT(cppcoreguidelines-no-malloc): libvirt mallocs
};

std::string take_string(char* s) {
  std::unique_ptr<char, FreeDeleter> owned(s);
  return s != nullptr ? std::string(s) : std::string();
}

bool domain_gone() {
  const virError* err = virGetLastError();
  return err != nullptr && err->code == VIR_ERR_NO_DOMAIN;
}

// Cores the scheduler lets the domain use: vcpu quota/period times vCPUs, or the global
// quota/period (QEMU driver's cgroup parameters); vCPUs when no quota is in force.
double cpu_cores_in_force(virDomainPtr dom, int vcpus) {
  double cores = vcpus;
  int nparams = 0;
  char* type = virDomainGetSchedulerType(dom, &nparams);
  take_string(type);
  if (type == nullptr || nparams <= 0) return cores;
  std::vector<virTypedParameter> params(static_cast<std::size_t>(nparams));
  if (virDomainGetSchedulerParametersFlags(dom, params.data(), &nparams, VIR_DOMAIN_AFFECT_LIVE) <
      0) {
    return cores;
  }
  long long vcpu_quota = -1, global_quota = -1;
  unsigned long long vcpu_period = 0, global_period = 0;
  for (int i = 0; i < nparams; ++i) {
    const virTypedParameter& p = params[static_cast<std::size_t>(i)];
    if (std::strcmp(p.field, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA) == 0) vcpu_quota = p.value.l;
    if (std::strcmp(p.field, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD) == 0) vcpu_period = p.value.ul;
    if (std::strcmp(p.field, VIR_DOMAIN_SCHEDULER_GLOBAL_QUOTA) == 0) global_quota = p.value.l;
    if (std::strcmp(p.field, VIR_DOMAIN_SCHEDULER_GLOBAL_PERIOD) == 0) global_period = p.value.ul;
  }
  virTypedParamsClear(params.data(), nparams);
  // Quotas <= 0 (libvirt reports -1, or a huge value meaning unlimited) leave the cap at vCPUs.
  if (vcpu_quota > 0 && vcpu_period > 0) {
    cores =
        std::min(cores, vcpus * static_cast<double>(vcpu_quota) / static_cast<double>(vcpu_period));
  }
  if (global_quota > 0 && global_period > 0) {
    cores = std::min(cores, static_cast<double>(global_quota) / static_cast<double>(global_period));
  }
  return cores;
}

}  // namespace

LibvirtSourceOptions libvirt_source_options(const config::LibvirtSource& libvirt,
                                            const config::SamplingSection& sampling) {
  LibvirtSourceOptions out;
  out.connection.uri = libvirt.uri;
  out.connection.keepalive_interval = libvirt.keepalive_interval;
  out.connection.keepalive_count = libvirt.keepalive_count;
  out.metadata_namespace = libvirt.metadata_namespace;
  out.qemu_runtime_dir = libvirt.qemu_runtime_dir;
  out.proc_root = sampling.proc_root;
  return out;
}

LibvirtSource::LibvirtSource(LibvirtSourceOptions options, const Clock& clock)
    : options_(std::move(options)), connection_(options_.connection, clock) {}

LibvirtSource::~LibvirtSource() = default;

Result<std::vector<Instance>> LibvirtSource::discover() {
  warnings_.clear();
  auto conn = connection_.get();
  if (!conn) return std::move(conn).error();

  virDomainPtr* raw_domains = nullptr;
  const int count = virConnectListAllDomains(*conn, &raw_domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (count < 0) {
    Error err{"virConnectListAllDomains failed: " + LibvirtConnection::last_error_message(),
              options_.connection.uri};
    connection_.check_after_failure();
    return err;
  }
  std::vector<DomainHandle> domains;
  for (int i = 0; i < count; ++i) domains.emplace_back(raw_domains[i]);
  free(raw_domains);  // NOLINT(cppcoreguidelines-no-malloc)

  const char* driver = virConnectGetType(*conn);
  const bool is_qemu = driver != nullptr && std::strcmp(driver, "QEMU") == 0;

  std::vector<Instance> out;
  for (const auto& dom : domains) {
    Instance inst;
    inst.kind = InstanceKind::kVirtualMachine;
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    const char* name = virDomainGetName(dom.get());
    if (virDomainGetUUIDString(dom.get(), uuid) < 0 || name == nullptr) continue;
    inst.id = uuid;
    inst.name = name;

    virDomainInfo info{};
    if (virDomainGetInfo(dom.get(), &info) < 0) {
      if (!domain_gone()) {
        warnings_.push_back(Error{
            "virDomainGetInfo failed: " + LibvirtConnection::last_error_message(), inst.name});
      }
      continue;  // stopped between listing and now
    }
    inst.vcpus_current = info.nrVirtCpu;
    const int vcpus_max =
        virDomainGetVcpusFlags(dom.get(), static_cast<unsigned>(VIR_DOMAIN_AFFECT_LIVE) |
                                              static_cast<unsigned>(VIR_DOMAIN_VCPU_MAXIMUM));
    inst.vcpus_max = vcpus_max > 0 ? vcpus_max : inst.vcpus_current;
    inst.allocation[Resource::kMemory] = static_cast<double>(info.memory) * kBytesPerKib;
    inst.max_allocation[Resource::kMemory] = static_cast<double>(info.maxMem) * kBytesPerKib;
    inst.allocation[Resource::kCpu] = cpu_cores_in_force(dom.get(), inst.vcpus_current);
    inst.max_allocation[Resource::kCpu] = inst.vcpus_max;

    // Workload type: absent metadata is normal (no type declared).
    std::string metadata = take_string(virDomainGetMetadata(dom.get(), VIR_DOMAIN_METADATA_ELEMENT,
                                                            options_.metadata_namespace.c_str(),
                                                            VIR_DOMAIN_AFFECT_LIVE));
    if (!metadata.empty()) {
      if (auto parsed = parse_workload_metadata(metadata, options_.metadata_namespace)) {
        inst.app_type = parsed->app_type;
      } else {
        Error e = parsed.error();
        e.where = inst.name + ": " + e.where;
        warnings_.push_back(std::move(e));
      }
    }

    std::string xml = take_string(virDomainGetXMLDesc(dom.get(), 0));
    if (!xml.empty()) {
      if (auto devices = parse_domain_devices(xml)) {
        inst.disks = std::move(devices->disks);
        inst.disk_sources = std::move(devices->disk_sources);
        inst.interfaces = std::move(devices->interfaces);
        // The disk cap in force; a driver without block tune (the test driver) has none.
        if (auto disk = read_disk_throttle_bytes_per_s(dom.get(), inst.disks)) {
          inst.allocation[Resource::kDisk] = *disk;
        } else if (!last_libvirt_error_is_no_support()) {
          Error e = disk.error();
          e.where = inst.name + ": " + e.where;
          warnings_.push_back(std::move(e));
        }
      } else {
        Error e = devices.error();
        e.where = inst.name + ": " + e.where;
        warnings_.push_back(std::move(e));
      }
    }

    if (is_qemu) {
      auto pid = read_qemu_pid(options_.qemu_runtime_dir, inst.name);
      auto process = pid ? inspect_qemu_process(options_.proc_root, *pid, inst.name)
                         : Result<QemuProcess>(pid.error());
      if (process) {
        inst.main_pid = process->pid;
        inst.thread_ids = std::move(process->vcpu_threads);
        inst.cgroups = std::move(process->cgroups);
      } else {
        Error e = process.error();
        e.where = inst.name + ": " + e.where;
        warnings_.push_back(std::move(e));
      }
    }
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace augur::discovery
