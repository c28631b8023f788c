// Every parser of cgroup, procfs and netlink bytes: a hostile or buggy kernel, a container
// that controls a bind-mounted /proc, or a torn read must never crash, hang or leak the
// daemon. Each input goes through all of them (no selector byte, so the checked-in
// fixture files are the seeds as they are).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "augur/discovery/pid_list.h"
#include "augur/host/cgroup_files.h"
#include "augur/host/cgroup_layout.h"
#include "augur/host/net_links.h"
#include "augur/host/pressure.h"
#include "augur/host/proc_files.h"
#include "augur/host/proc_pid.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace augur::host;
  using augur::fuzz::consume;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view where = "fuzz";
  consume(parse_u64_file(text, where));
  consume(parse_flat_keyed(text, where));
  (void)parse_controller_list(text).shown();  // no error path: an empty list at worst
  consume(parse_cpu_stat_v2(text, where));
  consume(parse_max_or_u64(text, where));
  consume(parse_cpu_max(text, where));
  consume(parse_io_stat(text, where));
  consume(parse_io_max(text, where));
  consume(parse_cpu_stat_v1(text, where));
  consume(parse_cfs_quota_us(text, where));
  consume(parse_memory_limit_v1(text, where));
  consume(parse_blkio_throttle(text, where));
  consume(parse_blkio_device_limits(text, where));
  consume(parse_mountinfo(text, where));
  consume(parse_pressure(text, where));
  consume(parse_proc_stat_cpu(text, where));
  consume(parse_meminfo(text, where));
  consume(parse_schedstat(text, where));
  consume(parse_net_dev(text, where));
  consume(parse_diskstats(text, where));
  consume(parse_cpu_list_count(text, where));
  consume(parse_proc_cgroup(text, where));
  consume(augur::discovery::parse_pid_list(text, where));
  consume(parse_link_messages(std::as_bytes(std::span(data, size))));
  return 0;
}
