#include "augur/discovery/libvirt_block_tune.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <vector>

#include "augur/core/resource.h"
#include "augur/discovery/libvirt_connection.h"

namespace augur::discovery {
namespace {

// One disk's total_bytes_sec (0: unthrottled).
Result<unsigned long long> read_total_bytes_sec(virDomainPtr dom, const std::string& disk) {
  const unsigned flags = VIR_TYPED_PARAM_STRING_OKAY;
  int count = 0;
  if (virDomainGetBlockIoTune(dom, disk.c_str(), nullptr, &count, flags) < 0 || count < 0) {
    return Error{"virDomainGetBlockIoTune failed: " + LibvirtConnection::last_error_message(),
                 disk};
  }
  std::vector<virTypedParameter> params(static_cast<std::size_t>(count));
  if (virDomainGetBlockIoTune(dom, disk.c_str(), params.data(), &count, flags) < 0) {
    return Error{"virDomainGetBlockIoTune failed: " + LibvirtConnection::last_error_message(),
                 disk};
  }
  unsigned long long total = 0;
  const int found = virTypedParamsGetULLong(params.data(), count,
                                            VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC, &total);
  virTypedParamsClear(params.data(), count);
  return found == 1 ? total : 0ULL;
}

}  // namespace

Result<double> read_disk_throttle_bytes_per_s(_virDomain* domain,
                                              const std::vector<std::string>& disks) {
  if (disks.empty()) return kUnknown;
  double total = 0;
  for (const std::string& disk : disks) {
    auto limit = read_total_bytes_sec(domain, disk);
    if (!limit) return std::move(limit).error();
    if (*limit == 0) return kUnknown;
    total += static_cast<double>(*limit);
  }
  return total;
}

bool last_libvirt_error_is_no_support() {
  const virError* e = virGetLastError();
  return e != nullptr && e->code == VIR_ERR_NO_SUPPORT;
}

}  // namespace augur::discovery
