#include "augur/sampling/libvirt/domain_stats_collector.h"

#include <libvirt/libvirt.h>

#include <utility>

namespace augur::sampling {
namespace {

StatParam to_param(const virTypedParameter& p) {
  StatParam out{p.field, {}};
  switch (p.type) {
    case VIR_TYPED_PARAM_INT: out.value = static_cast<std::int64_t>(p.value.i); break;
    case VIR_TYPED_PARAM_UINT: out.value = static_cast<std::uint64_t>(p.value.ui); break;
    case VIR_TYPED_PARAM_LLONG: out.value = static_cast<std::int64_t>(p.value.l); break;
    case VIR_TYPED_PARAM_ULLONG: out.value = static_cast<std::uint64_t>(p.value.ul); break;
    case VIR_TYPED_PARAM_DOUBLE: out.value = p.value.d; break;
    case VIR_TYPED_PARAM_BOOLEAN: out.value = p.value.b != 0; break;
    case VIR_TYPED_PARAM_STRING:
      out.value = std::string(p.value.s != nullptr ? p.value.s : "");
      break;
    default: out.value = std::string(); break;
  }
  return out;
}

}  // namespace

DomainStatsCollector::DomainStatsCollector(discovery::LibvirtConnectionOptions options,
                                           const Clock& clock)
    : connection_(std::move(options), clock) {}

Result<std::vector<DomainStatsRecord>> DomainStatsCollector::collect() {
  auto conn = connection_.get();
  if (!conn) return std::move(conn).error();
  constexpr unsigned kStats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
                              VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU |
                              VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;
  virDomainStatsRecordPtr* records = nullptr;
  const int n = virConnectGetAllDomainStats(*conn, kStats, &records,
                                            VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
  if (n < 0) {
    Error err{
        "virConnectGetAllDomainStats failed: " + discovery::LibvirtConnection::last_error_message(),
        "virConnectGetAllDomainStats"};
    connection_.check_after_failure();
    return err;
  }
  std::vector<DomainStatsRecord> out;
  skipped_ = 0;
  for (int i = 0; i < n; ++i) {
    const virDomainStatsRecord& rec = *records[i];
    std::vector<StatParam> params;
    params.reserve(static_cast<std::size_t>(rec.nparams));
    for (int k = 0; k < rec.nparams; ++k) params.push_back(to_param(rec.params[k]));
    auto raw = parse_domain_stats(params);
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    const char* name = virDomainGetName(rec.dom);
    if (!raw || virDomainGetUUIDString(rec.dom, uuid) < 0 || name == nullptr) {
      ++skipped_;
      continue;
    }
    out.push_back(DomainStatsRecord{uuid, name, std::move(*raw)});
  }
  virDomainStatsRecordListFree(records);
  return out;
}

}  // namespace augur::sampling
