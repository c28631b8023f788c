// What libvirt hands the daemon about a domain: its XML (devices, Augur's <metadata>), its
// vCPU thread names, its bulk statistics and its blkiotune device lists. A guest owner controls
// parts of all of them (metadata can be set by whoever may define the domain), so none may crash
// the daemon.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "augur/actuate/blkio_device_rates.h"
#include "augur/discovery/domain_xml.h"
#include "augur/discovery/qemu_process.h"
#include "augur/discovery/workload_metadata.h"
#include "augur/sampling/libvirt/domain_stats.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using augur::fuzz::consume;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  consume(augur::discovery::parse_workload_metadata(text));
  consume(augur::discovery::parse_domain_devices(text));
  (void)augur::discovery::parse_vcpu_thread_name(text);
  auto params = augur::sampling::parse_stat_lines(text, "fuzz");
  consume(params);
  if (params) consume(augur::sampling::parse_domain_stats(*params));
  consume(augur::actuate::parse_device_rates(text));
  return 0;
}
