#include "augur/sampling/usage/host_usage.h"

#include <dirent.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "augur/host/open_file.h"
#include "augur/host/pressure.h"

namespace augur::sampling {

namespace {

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return out;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

template <class... F>
void set_all_missing(const std::string& reason, F&... fields) {
  (fields.set_missing(reason), ...);
}

}  // namespace

struct HostUsageReader::Files {
  std::map<std::string, host::OpenFile> open;
  Result<std::string_view> read(const std::string& path) {
    auto it = open.find(path);
    if (it == open.end()) {
      auto f = host::OpenFile::open(path);
      if (!f) return f.error();
      it = open.emplace(path, std::move(*f)).first;
    }
    return it->second.read();
  }
};

HostUsageReader::HostUsageReader(std::string proc_root, const std::string& sys_root)
    : proc_root_(std::move(proc_root)), files_(std::make_unique<Files>()) {
  // Whole disks backed by a device (dm-*, md*, loop*, zram without a backing "device" link
  // would double count or are not disks).
  for (const auto& name : list_dir(sys_root + "/block")) {
    if (exists(sys_root + "/block/" + name + "/device")) disks_.push_back(name);
  }
  for (const auto& name : list_dir(sys_root + "/class/net")) {
    if (exists(sys_root + "/class/net/" + name + "/device")) nics_.push_back(name);
  }
}
HostUsageReader::~HostUsageReader() = default;
HostUsageReader::HostUsageReader(HostUsageReader&&) noexcept = default;
HostUsageReader& HostUsageReader::operator=(HostUsageReader&&) noexcept = default;

HostUsageRaw HostUsageReader::read() {
  HostUsageRaw raw;
  auto parsed = [&](const std::string& path, auto parse) {
    auto content = files_->read(path);
    using R = decltype(parse(std::string_view{}, std::string_view{}));
    if (!content) return R(content.error());
    return parse(*content, path);
  };

  auto cpu = parsed(proc_root_ + "/stat", host::parse_proc_stat_cpu);
  if (cpu)
    raw.cpu.set(*cpu);
  else
    raw.cpu.set_missing(cpu.error().message());
  auto mem = parsed(proc_root_ + "/meminfo", host::parse_meminfo);
  if (mem)
    raw.memory.set(*mem);
  else
    raw.memory.set_missing(mem.error().message());

  const std::pair<const char*, PressureTotals*> pressures[] = {
      {"cpu", &raw.cpu_pressure}, {"memory", &raw.memory_pressure}, {"io", &raw.io_pressure}};
  for (const auto& [name, out] : pressures) {
    auto p = parsed(proc_root_ + "/pressure/" + name, host::parse_pressure);
    if (!p) {
      set_all_missing(p.error().message(), out->some_usec, out->full_usec);
      continue;
    }
    out->some_usec.set(p->some.total_usec);
    if (p->full)
      out->full_usec.set(p->full->total_usec);
    else
      out->full_usec.set_missing("no 'full' line (kernel before 5.13 for cpu)");
  }

  auto disks = parsed(proc_root_ + "/diskstats", host::parse_diskstats);
  if (!disks) {
    set_all_missing(disks.error().message(), raw.disk_read_bytes, raw.disk_write_bytes,
                    raw.disk_read_ops, raw.disk_write_ops);
  } else if (disks_.empty()) {
    set_all_missing("no physical disk found in sysfs", raw.disk_read_bytes, raw.disk_write_bytes,
                    raw.disk_read_ops, raw.disk_write_ops);
  } else {
    std::uint64_t rb = 0, wb = 0, ro = 0, wo = 0;
    for (const auto& d : *disks) {
      if (!std::binary_search(disks_.begin(), disks_.end(), d.name)) continue;
      rb += d.sectors_read * host::kDiskstatsSectorBytes;
      wb += d.sectors_written * host::kDiskstatsSectorBytes;
      ro += d.reads_completed;
      wo += d.writes_completed;
    }
    raw.disk_read_bytes.set(rb);
    raw.disk_write_bytes.set(wb);
    raw.disk_read_ops.set(ro);
    raw.disk_write_ops.set(wo);
  }

  auto nets = parsed(proc_root_ + "/net/dev", host::parse_net_dev);
  if (!nets) {
    set_all_missing(nets.error().message(), raw.net_rx_bytes, raw.net_tx_bytes);
  } else {
    std::uint64_t rx = 0, tx = 0;
    for (const auto& n : *nets) {
      const bool counted =
          nics_.empty() ? n.name != "lo" : std::binary_search(nics_.begin(), nics_.end(), n.name);
      if (!counted) continue;
      rx += n.rx_bytes;
      tx += n.tx_bytes;
    }
    raw.net_rx_bytes.set(rx);
    raw.net_tx_bytes.set(tx);
  }
  return raw;
}

HostCapacity read_host_capacity(const std::string& proc_root, const std::string& sys_root,
                                const HostCapacityConfig& config) {
  HostCapacity out;
  const auto online_path = sys_root + "/devices/system/cpu/online";
  auto online = host::read_file(online_path);
  auto count =
      online ? host::parse_cpu_list_count(*online, online_path) : Result<unsigned>(online.error());
  if (count) {
    out.capacity[Resource::kCpu] = *count;
    out.notes.push_back("cpu: " + online_path);
  } else {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
      out.capacity[Resource::kCpu] = CPU_COUNT(&set);
      out.notes.push_back("cpu: sched_getaffinity (" + count.error().message() + ")");
    } else {
      out.notes.push_back("cpu: unknown (" + count.error().message() + ")");
    }
  }

  const auto meminfo_path = proc_root + "/meminfo";
  auto meminfo = host::read_file(meminfo_path);
  auto mem = meminfo ? host::parse_meminfo(*meminfo, meminfo_path)
                     : Result<host::MemInfo>(meminfo.error());
  if (mem) {
    out.capacity[Resource::kMemory] = static_cast<double>(mem->total_bytes);
    out.notes.push_back("memory: MemTotal");
  } else {
    out.notes.push_back("memory: unknown (" + mem.error().message() + ")");
  }

  out.capacity[Resource::kDisk] = config.disk_bytes_per_s;
  out.notes.push_back(std::isnan(config.disk_bytes_per_s) ? "disk: unknown (not configured)"
                                                          : "disk: config");

  // NIC speed in Mb/s (-1 or an error for virtual NICs and links that are down).
  double net = 0;
  bool known = false;
  const HostUsageReader probe(proc_root, sys_root);
  for (const auto& nic : probe.nics()) {
    const auto path = sys_root + "/class/net/" + nic + "/speed";
    auto speed = host::read_file(path);
    const auto mbps = speed ? std::strtoll(speed->c_str(), nullptr, 10) : -1;
    if (mbps <= 0) continue;
    net += static_cast<double>(mbps) * 1e6 / 8;  // Mb/s -> bytes/s
    known = true;
  }
  if (known) {
    out.capacity[Resource::kNetwork] = net;
    out.notes.push_back("network: sysfs NIC speed");
  } else {
    out.capacity[Resource::kNetwork] = config.net_bytes_per_s;
    out.notes.push_back(std::isnan(config.net_bytes_per_s)
                            ? "network: unknown (no NIC speed in sysfs, not configured)"
                            : "network: config (no NIC speed in sysfs)");
  }
  return out;
}

namespace {
// (cur - prev) or nullopt when either is missing or the counter went backwards.
std::optional<double> counter_delta(const Field<std::uint64_t>& prev,
                                    const Field<std::uint64_t>& cur) {
  if (!prev.has() || !cur.has() || *cur.value < *prev.value) return std::nullopt;
  return static_cast<double>(*cur.value - *prev.value);
}
}  // namespace

ResourceVector derive_host_utilisation(const HostUsageRaw& prev, const HostUsageRaw& cur,
                                       Nanos elapsed, const HostCapacity& capacity) {
  ResourceVector u;
  const double seconds = static_cast<double>(elapsed.count()) / 1e9;
  if (prev.cpu.has() && cur.cpu.has()) {
    const auto& p = *prev.cpu.value;
    const auto& c = *cur.cpu.value;
    if (c.total() > p.total() && c.idle_all() >= p.idle_all()) {
      const double idle = static_cast<double>(c.idle_all() - p.idle_all()) /
                          static_cast<double>(c.total() - p.total());
      u[Resource::kCpu] = std::clamp(1.0 - idle, 0.0, 1.0);
    }
  }
  if (cur.memory.has() && cur.memory.value->total_bytes > 0) {
    const auto& m = *cur.memory.value;
    // Without MemAvailable (before 3.14), free + buffers + cached approximates it.
    const double available = static_cast<double>(
        m.available_bytes.value_or(m.free_bytes + m.buffers_bytes + m.cached_bytes));
    u[Resource::kMemory] =
        std::clamp(1.0 - available / static_cast<double>(m.total_bytes), 0.0, 1.0);
  }
  if (seconds <= 0) return u;
  const double disk_cap = capacity.capacity[Resource::kDisk];
  const auto rb = counter_delta(prev.disk_read_bytes, cur.disk_read_bytes);
  const auto wb = counter_delta(prev.disk_write_bytes, cur.disk_write_bytes);
  if (rb && wb && disk_cap > 0) {
    u[Resource::kDisk] = std::clamp((*rb + *wb) / seconds / disk_cap, 0.0, 1.0);
  }
  const double net_cap = capacity.capacity[Resource::kNetwork];
  const auto rx = counter_delta(prev.net_rx_bytes, cur.net_rx_bytes);
  const auto tx = counter_delta(prev.net_tx_bytes, cur.net_tx_bytes);
  if (rx && tx && net_cap > 0) {
    u[Resource::kNetwork] = std::clamp(std::max(*rx, *tx) / seconds / net_cap, 0.0, 1.0);
  }
  return u;
}

}  // namespace augur::sampling
