// Records libvirt bulk domain stats as typed parameters, one "name type value" line each, for
// fixtures under tests/fixtures/libvirt/. Usage: record_domain_stats URI DOMAIN > file
// Not a test: a tool run by hand against a real daemon (see tests/fixtures/libvirt/README.md).
#include <libvirt/libvirt.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s URI DOMAIN\n", argv[0]);
    return 2;
  }
  virConnectPtr conn = virConnectOpenReadOnly(argv[1]);
  if (conn == nullptr) return 1;
  virDomainPtr dom = virDomainLookupByName(conn, argv[2]);
  if (dom == nullptr) return 1;
  virDomainPtr doms[] = {dom, nullptr};
  virDomainStatsRecordPtr* records = nullptr;
  const unsigned stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
                         VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU |
                         VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;
  if (virDomainListGetStats(doms, stats, &records, 0) < 0) return 1;
  for (virDomainStatsRecordPtr* r = records; *r != nullptr; ++r) {
    for (int i = 0; i < (*r)->nparams; ++i) {
      const virTypedParameter& p = (*r)->params[i];
      switch (p.type) {
        case VIR_TYPED_PARAM_INT: std::printf("%s int %d\n", p.field, p.value.i); break;
        case VIR_TYPED_PARAM_UINT: std::printf("%s uint %u\n", p.field, p.value.ui); break;
        case VIR_TYPED_PARAM_LLONG: std::printf("%s llong %lld\n", p.field, p.value.l); break;
        case VIR_TYPED_PARAM_ULLONG: std::printf("%s ullong %llu\n", p.field, p.value.ul); break;
        case VIR_TYPED_PARAM_DOUBLE: std::printf("%s double %.17g\n", p.field, p.value.d); break;
        case VIR_TYPED_PARAM_BOOLEAN: std::printf("%s boolean %d\n", p.field, p.value.b); break;
        case VIR_TYPED_PARAM_STRING: std::printf("%s string %s\n", p.field, p.value.s); break;
        default: break;
      }
    }
  }
  virDomainStatsRecordListFree(records);
  virDomainFree(dom);
  virConnectClose(conn);
  return 0;
}
