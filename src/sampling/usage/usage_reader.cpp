#include "augur/sampling/usage/usage_reader.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <variant>

#include "augur/host/cgroup_files.h"
#include "augur/host/open_file.h"
#include "augur/host/pressure.h"
#include "augur/host/proc_files.h"
#include "augur/host/proc_pid.h"
#include "augur/sampling/usage/vcpu_cgroups.h"

namespace augur::sampling {

using U64 = Field<std::uint64_t>;

namespace detail {
// The open files of one instance, by path; a path that failed to open is remembered with
// its error so a file this host lacks costs no syscall per tick. Per-thread schedstat files
// are kept by tid, so threads that leave are pruned cheaply.
struct FileCache {
  std::map<std::string, std::variant<host::OpenFile, Error>> files;
  std::map<pid_t, host::OpenFile> thread_files;
  pid_t netns_pid = 0;
  std::optional<bool> own_netns;
  // A VM's libvirt vcpuN cgroups, listed once (a vCPU hot-plug changes the instance, and the
  // sampler then forgets these files).
  std::optional<std::vector<std::string>> vcpu_dirs;

  // Content of `path`, or the Error as a reason. Gone files are closed and forgotten so a
  // re-created cgroup is re-opened next tick.
  Result<std::string_view> read(const std::string& path) {
    auto it = files.find(path);
    if (it == files.end()) {
      auto f = host::OpenFile::open(path);
      if (f) {
        it = files.emplace(path, std::move(*f)).first;
      } else {
        const Error& e = f.error();
        if (e.errno_value == ENOENT) files.emplace(path, e);
        return e;
      }
    }
    if (auto* err = std::get_if<Error>(&it->second)) return *err;
    auto content = std::get<host::OpenFile>(it->second).read();
    if (!content) {
      Error e = content.error();
      files.erase(it);
      return e;
    }
    return *content;
  }

  [[nodiscard]] std::size_t open_count() const {
    return thread_files.size() +
           static_cast<std::size_t>(std::count_if(files.begin(), files.end(), [](const auto& kv) {
             return std::holds_alternative<host::OpenFile>(kv.second);
           }));
  }
};
}  // namespace detail

struct UsageReader::InstanceFiles : detail::FileCache {};

namespace {

// Parses `path` with `parse`; a read or parse failure becomes the reason.
template <class Parse>
auto read_parsed(detail::FileCache& files, const std::string& path, Parse parse)
    -> Result<typename decltype(parse(std::string_view{}, std::string_view{}))::value_type> {
  auto content = files.read(path);
  if (!content) return content.error();
  return parse(*content, path);
}

// An instance's disk limit as host::instance_disk_limit read it (NaN: some device is limited
// in one direction only, so the instance is not bounded).
void set_disk_limit(double bytes_per_s, Field<double>& out) {
  if (std::isnan(bytes_per_s)) {
    out.set_missing("unlimited in one direction");
  } else {
    out.set(bytes_per_s);
  }
}

template <class... F>
void set_all_missing(const std::string& reason, F&... fields) {
  (fields.set_missing(reason), ...);
}

void fill_pressure(const Result<host::Pressure>& p, PressureTotals& out) {
  if (!p) {
    out.some_usec.set_missing(p.error().message());
    out.full_usec.set_missing(p.error().message());
    return;
  }
  out.some_usec.set(p->some.total_usec);
  if (p->full) {
    out.full_usec.set(p->full->total_usec);
  } else {
    out.full_usec.set_missing("no 'full' line (kernel before 5.13 for cpu)");
  }
}

// CFS bandwidth of one cgroup directory: throttling counters and quota / period in cores.
struct CpuBandwidth {
  U64 throttled_ns;
  U64 periods;
  U64 throttled_periods;
  Field<double> limit_cores;  // missing "unlimited" when no quota is set
};

// `v2_stat`: the directory's cpu.stat already parsed this tick (cgroup2), or nullptr.
CpuBandwidth read_bandwidth(detail::FileCache& files, const std::string& dir, bool v1,
                            const Result<host::CpuStatV2>* v2_stat) {
  CpuBandwidth bw;
  if (v1) {
    auto st = read_parsed(files, dir + "/cpu.stat", host::parse_cpu_stat_v1);
    if (st) {
      bw.throttled_ns.set(st->throttled_time_ns);
      bw.periods.set(st->nr_periods);
      bw.throttled_periods.set(st->nr_throttled);
    } else {
      set_all_missing(st.error().message(), bw.throttled_ns, bw.periods, bw.throttled_periods);
    }
    auto quota = read_parsed(files, dir + "/cpu.cfs_quota_us", host::parse_cfs_quota_us);
    auto period = read_parsed(files, dir + "/cpu.cfs_period_us", host::parse_u64_file);
    if (!quota)
      bw.limit_cores.set_missing(quota.error().message());
    else if (!period)
      bw.limit_cores.set_missing(period.error().message());
    else if (!*quota || *period == 0)
      bw.limit_cores.set_missing("unlimited");
    else
      bw.limit_cores.set(static_cast<double>(**quota) / static_cast<double>(*period));
    return bw;
  }
  Result<host::CpuStatV2> own = Error{"", "", 0};
  if (v2_stat == nullptr) {
    own = read_parsed(files, dir + "/cpu.stat", host::parse_cpu_stat_v2);
    v2_stat = &own;
  }
  const Result<host::CpuStatV2>& st = *v2_stat;
  if (st && st->nr_periods && st->nr_throttled && st->throttled_usec) {
    bw.throttled_ns.set(*st->throttled_usec * 1000);  // µs -> ns
    bw.periods.set(*st->nr_periods);
    bw.throttled_periods.set(*st->nr_throttled);
  } else {
    const std::string reason =
        !st ? st.error().message()
            : "cpu controller not enabled in cgroup2 (cpu.stat has no nr_throttled)";
    set_all_missing(reason, bw.throttled_ns, bw.periods, bw.throttled_periods);
  }
  auto max = read_parsed(files, dir + "/cpu.max", host::parse_cpu_max);
  if (!max)
    bw.limit_cores.set_missing(max.error().message());
  else if (!max->quota_usec)
    bw.limit_cores.set_missing("unlimited");
  else
    bw.limit_cores.set(static_cast<double>(*max->quota_usec) /
                       static_cast<double>(max->period_usec));
  return bw;
}

// total += part; a part missing makes the total missing with its reason.
void add_into(U64& total, const U64& part) {
  if (!total.has()) return;
  if (!part.has()) return total.set_missing(part.missing_reason);
  total.set(*total.value + *part.value);
}

}  // namespace

UsageReader::UsageReader(host::CgroupLayout layout, std::string fs_root, std::string proc_root)
    : layout_(std::move(layout)), fs_root_(std::move(fs_root)), proc_root_(std::move(proc_root)) {}
UsageReader::~UsageReader() = default;
UsageReader::UsageReader(UsageReader&&) noexcept = default;
UsageReader& UsageReader::operator=(UsageReader&&) noexcept = default;

void UsageReader::forget(const std::string& instance_id) {
  instances_.erase(instance_id);
}

std::size_t UsageReader::open_files() const {
  std::size_t n = 0;
  for (const auto& [id, files] : instances_) n += files->open_count();
  return n;
}

UsageRaw UsageReader::read(const Instance& inst) {
  auto& slot = instances_[inst.id];
  if (!slot) slot = std::make_unique<InstanceFiles>();
  InstanceFiles& files = *slot;
  UsageRaw raw;

  // The instance's own (non-root) cgroup directory in the v1 hierarchy of `controller`, or
  // in cgroup2 for "".
  auto dir_of = [&](std::string_view controller) -> std::optional<std::string> {
    for (const auto& ref : inst.cgroups) {
      if (ref.controller != controller || ref.path == "/") continue;
      if (!controller.empty() && layout_.v1_for(controller) == nullptr) continue;
      return layout_.directory(ref, fs_root_);
    }
    return std::nullopt;
  };
  const auto v2 = dir_of("");
  const auto cpuacct = dir_of("cpuacct");
  const auto cpu = dir_of("cpu");
  const auto memory = dir_of("memory");
  const auto blkio = dir_of("blkio");
  const std::string no_v2 = "no cgroup2 directory for the instance";

  // ---- CPU usage and throttling
  Result<host::CpuStatV2> v2_cpu_stat = Error{no_v2, "", 0};
  if (v2) v2_cpu_stat = read_parsed(files, *v2 + "/cpu.stat", host::parse_cpu_stat_v2);
  if (cpuacct) {
    // cpuacct.usage is in nanoseconds
    auto usage = read_parsed(files, *cpuacct + "/cpuacct.usage", host::parse_u64_file);
    if (usage)
      raw.cpu_usage_ns.set(*usage);
    else
      raw.cpu_usage_ns.set_missing(usage.error().message());
  } else if (v2_cpu_stat) {
    raw.cpu_usage_ns.set(v2_cpu_stat->usage_usec * 1000);  // µs -> ns
  } else {
    raw.cpu_usage_ns.set_missing(v2 ? v2_cpu_stat.error().message()
                                    : "no cgroup with cpu accounting for the instance");
  }
  // Bandwidth (throttling and quota) from the v1 cpu hierarchy, else cgroup2; for a VM
  // with libvirt's vcpuN children, summed and combined over them (vcpu_cgroups.h).
  const std::optional<std::string>& bw_dir = cpu ? cpu : v2;
  if (!bw_dir) {
    const std::string reason = "no cgroup with the cpu controller for the instance";
    set_all_missing(reason, raw.cpu_throttled_ns, raw.cpu_periods, raw.cpu_throttled_periods,
                    raw.cpu_limit_cores);
  } else {
    const bool v1 = cpu.has_value();
    CpuBandwidth bw = read_bandwidth(files, *bw_dir, v1, v1 ? nullptr : &v2_cpu_stat);
    if (inst.kind == InstanceKind::kVirtualMachine) {
      if (!files.vcpu_dirs) {
        auto listed = list_vcpu_cgroups(*bw_dir);
        files.vcpu_dirs = listed ? std::move(*listed) : std::vector<std::string>{};
      }
      std::vector<Field<double>> vcpu_limits;
      for (const std::string& dir : *files.vcpu_dirs) {
        CpuBandwidth v = read_bandwidth(files, dir, v1, nullptr);
        add_into(bw.throttled_ns, v.throttled_ns);
        add_into(bw.periods, v.periods);
        add_into(bw.throttled_periods, v.throttled_periods);
        vcpu_limits.push_back(std::move(v.limit_cores));
      }
      if (!vcpu_limits.empty()) bw.limit_cores = vm_cpu_limit(bw.limit_cores, vcpu_limits);
    }
    raw.cpu_throttled_ns = std::move(bw.throttled_ns);
    raw.cpu_periods = std::move(bw.periods);
    raw.cpu_throttled_periods = std::move(bw.throttled_periods);
    raw.cpu_limit_cores = std::move(bw.limit_cores);
  }

  // ---- memory
  std::optional<std::string> mem_dir = memory ? memory : v2;
  if (mem_dir) {
    const bool v1 = memory.has_value();
    auto current =
        read_parsed(files, *mem_dir + (v1 ? "/memory.usage_in_bytes" : "/memory.current"),
                    host::parse_u64_file);
    if (current)
      raw.memory_bytes.set(*current);
    else
      raw.memory_bytes.set_missing(current.error().message());
    auto stat = read_parsed(files, *mem_dir + "/memory.stat", host::parse_flat_keyed);
    if (stat) {
      // v1 rss/cache count this cgroup only; total_* include descendants like v2's anon/file.
      auto pick = [&](std::string_view v2_key, std::string_view v1_total, std::string_view v1_key,
                      U64& out) {
        const auto v = v1 ? (stat->get(v1_total) ? stat->get(v1_total) : stat->get(v1_key))
                          : stat->get(v2_key);
        if (v)
          out.set(*v);
        else
          out.set_missing("memory.stat has no " + std::string(v1 ? v1_key : v2_key));
      };
      pick("anon", "total_rss", "rss", raw.memory_anon_bytes);
      pick("file", "total_cache", "cache", raw.memory_file_bytes);
      pick("pgmajfault", "total_pgmajfault", "pgmajfault", raw.major_faults);
    } else {
      set_all_missing(stat.error().message(), raw.memory_anon_bytes, raw.memory_file_bytes,
                      raw.major_faults);
    }
    auto limit =
        v1 ? read_parsed(files, *mem_dir + "/memory.limit_in_bytes", host::parse_memory_limit_v1)
           : read_parsed(files, *mem_dir + "/memory.max", host::parse_max_or_u64);
    if (!limit)
      raw.memory_limit_bytes.set_missing(limit.error().message());
    else if (!*limit)
      raw.memory_limit_bytes.set_missing("unlimited");
    else
      raw.memory_limit_bytes.set(static_cast<double>(**limit));
  } else {
    set_all_missing("no cgroup with the memory controller for the instance", raw.memory_bytes,
                    raw.memory_anon_bytes, raw.memory_file_bytes, raw.major_faults,
                    raw.memory_limit_bytes);
  }

  // ---- disk
  if (blkio) {
    auto bytes =
        read_parsed(files, *blkio + "/blkio.throttle.io_service_bytes", host::parse_blkio_throttle);
    auto ops =
        read_parsed(files, *blkio + "/blkio.throttle.io_serviced", host::parse_blkio_throttle);
    auto sum = [](const host::BlkioStat& s, bool read) {
      std::uint64_t total = 0;
      for (const auto& d : s.devices) total += read ? d.read : d.write;
      return total;
    };
    if (bytes) {
      raw.disk_read_bytes.set(sum(*bytes, true));
      raw.disk_write_bytes.set(sum(*bytes, false));
    } else {
      set_all_missing(bytes.error().message(), raw.disk_read_bytes, raw.disk_write_bytes);
    }
    if (ops) {
      raw.disk_read_ops.set(sum(*ops, true));
      raw.disk_write_ops.set(sum(*ops, false));
    } else {
      set_all_missing(ops.error().message(), raw.disk_read_ops, raw.disk_write_ops);
    }
    auto rbps = read_parsed(files, *blkio + "/blkio.throttle.read_bps_device",
                            host::parse_blkio_device_limits);
    auto wbps = read_parsed(files, *blkio + "/blkio.throttle.write_bps_device",
                            host::parse_blkio_device_limits);
    if (!rbps)
      raw.disk_limit_bytes_per_s.set_missing(rbps.error().message());
    else if (!wbps)
      raw.disk_limit_bytes_per_s.set_missing(wbps.error().message());
    else if (rbps->empty() && wbps->empty())
      raw.disk_limit_bytes_per_s.set_missing("unlimited");
    else {
      // The actuators' reading (host::instance_disk_limit): per device the larger of the
      // read and write limits, summed; a device limited in one direction only leaves it
      // unlimited.
      std::vector<host::DeviceLimits> per_device;
      for (const auto& r : *rbps) per_device.emplace_back(r.value, std::nullopt);
      for (const auto& w : *wbps) {
        const auto r = std::find_if(rbps->begin(), rbps->end(), [&](const auto& d) {
          return d.major == w.major && d.minor == w.minor;
        });
        if (r == rbps->end()) {
          per_device.emplace_back(std::nullopt, w.value);
        } else {
          per_device[static_cast<std::size_t>(r - rbps->begin())].second = w.value;
        }
      }
      set_disk_limit(host::instance_disk_limit(per_device), raw.disk_limit_bytes_per_s);
    }
  } else if (v2) {
    auto io = read_parsed(files, *v2 + "/io.stat", host::parse_io_stat);
    if (io) {
      std::uint64_t rb = 0, wb = 0, ri = 0, wi = 0;
      for (const auto& e : *io) rb += e.rbytes, wb += e.wbytes, ri += e.rios, wi += e.wios;
      raw.disk_read_bytes.set(rb);
      raw.disk_write_bytes.set(wb);
      raw.disk_read_ops.set(ri);
      raw.disk_write_ops.set(wi);
    } else {
      set_all_missing(io.error().message(), raw.disk_read_bytes, raw.disk_write_bytes,
                      raw.disk_read_ops, raw.disk_write_ops);
    }
    auto max = read_parsed(files, *v2 + "/io.max", host::parse_io_max);
    if (!max) {
      raw.disk_limit_bytes_per_s.set_missing(max.error().message());
    } else if (max->empty()) {
      raw.disk_limit_bytes_per_s.set_missing("unlimited");
    } else {
      std::vector<host::DeviceLimits> per_device;
      for (const auto& l : *max) per_device.emplace_back(l.rbps, l.wbps);
      set_disk_limit(host::instance_disk_limit(per_device), raw.disk_limit_bytes_per_s);
    }
  } else {
    set_all_missing("no cgroup with the blkio/io controller for the instance", raw.disk_read_bytes,
                    raw.disk_write_bytes, raw.disk_read_ops, raw.disk_write_ops,
                    raw.disk_limit_bytes_per_s);
  }

  // ---- pressure: cgroup2 only
  if (v2) {
    fill_pressure(read_parsed(files, *v2 + "/cpu.pressure", host::parse_pressure),
                  raw.cpu_pressure);
    fill_pressure(read_parsed(files, *v2 + "/memory.pressure", host::parse_pressure),
                  raw.memory_pressure);
    fill_pressure(read_parsed(files, *v2 + "/io.pressure", host::parse_pressure), raw.io_pressure);
  } else {
    const std::string reason = "no cgroup2 directory for the instance (cgroup v1 has no pressure)";
    for (auto* p : {&raw.cpu_pressure, &raw.memory_pressure, &raw.io_pressure}) {
      set_all_missing(reason, p->some_usec, p->full_usec);
    }
  }

  // ---- run-queue wait per thread
  if (inst.thread_ids.empty()) {
    raw.threads.set_missing("instance has no thread ids");
  } else {
    std::vector<ThreadSched> threads;
    threads.reserve(inst.thread_ids.size());
    std::string last_error;
    // /proc/<main_pid>/task/<tid> for the main process's threads; /proc/<tid> (a hidden but
    // valid per-thread entry) for threads of other processes in the instance's cgroup.
    const std::string task_dir =
        inst.main_pid > 0 ? proc_root_ + "/" + std::to_string(inst.main_pid) + "/task/" : "";
    // Close the files of threads no longer listed.
    std::vector<pid_t> listed = inst.thread_ids;
    std::sort(listed.begin(), listed.end());
    std::erase_if(files.thread_files, [&](const auto& kv) {
      return !std::binary_search(listed.begin(), listed.end(), kv.first);
    });
    for (const pid_t tid : listed) {
      auto it = files.thread_files.find(tid);
      if (it == files.thread_files.end()) {
        const std::string tail = std::to_string(tid) + "/schedstat";
        auto f = host::OpenFile::open(task_dir.empty() ? proc_root_ + "/" + tail : task_dir + tail);
        if (!f && !task_dir.empty() && f.error().errno_value == ENOENT) {
          f = host::OpenFile::open(proc_root_ + "/" + tail);
        }
        if (!f) {
          // A thread that exited is normal churn: leave it out.
          if (!host::is_gone(f.error())) last_error = f.error().message();
          continue;
        }
        it = files.thread_files.emplace(tid, std::move(*f)).first;
      }
      auto content = it->second.read();
      auto st = content ? host::parse_schedstat(*content, it->second.path())
                        : Result<host::SchedStat>(content.error());
      if (st) {
        threads.push_back(ThreadSched{tid, st->run_ns, st->wait_ns});
      } else {
        // ESRCH or an empty read: the thread exited; otherwise keep the reason.
        if (!host::is_gone(st.error()) && !(content && content->empty())) {
          last_error = st.error().message();
        }
        files.thread_files.erase(it);
      }
    }
    std::sort(threads.begin(), threads.end(),
              [](const ThreadSched& a, const ThreadSched& b) { return a.tid < b.tid; });
    if (!threads.empty())
      raw.threads.set(std::move(threads));
    else
      raw.threads.set_missing(last_error.empty() ? "all threads gone" : last_error);
  }

  // ---- network of the instance's own namespace
  if (inst.main_pid <= 0) {
    set_all_missing("instance has no main process", raw.net_rx_bytes, raw.net_tx_bytes,
                    raw.net_rx_packets, raw.net_tx_packets);
  } else {
    if (files.netns_pid != inst.main_pid || !files.own_netns) {
      files.own_netns.reset();
      auto mine = host::read_net_namespace(proc_root_, 0);
      auto theirs = host::read_net_namespace(proc_root_, inst.main_pid);
      if (mine && theirs) {
        files.own_netns = *mine != *theirs;
        files.netns_pid = inst.main_pid;
      } else {
        set_all_missing((mine ? theirs.error() : mine.error()).message(), raw.net_rx_bytes,
                        raw.net_tx_bytes, raw.net_rx_packets, raw.net_tx_packets);
      }
    }
    if (files.own_netns && !*files.own_netns) {
      set_all_missing("instance shares the host network namespace", raw.net_rx_bytes,
                      raw.net_tx_bytes, raw.net_rx_packets, raw.net_tx_packets);
    } else if (files.own_netns) {
      const auto path = proc_root_ + "/" + std::to_string(inst.main_pid) + "/net/dev";
      auto devs = read_parsed(files, path, host::parse_net_dev);
      if (devs) {
        std::uint64_t rb = 0, tb = 0, rp = 0, tp = 0;
        for (const auto& d : *devs) {
          if (d.name == "lo") continue;  // loopback traffic never leaves the instance
          rb += d.rx_bytes, tb += d.tx_bytes, rp += d.rx_packets, tp += d.tx_packets;
        }
        raw.net_rx_bytes.set(rb);
        raw.net_tx_bytes.set(tb);
        raw.net_rx_packets.set(rp);
        raw.net_tx_packets.set(tp);
      } else {
        set_all_missing(devs.error().message(), raw.net_rx_bytes, raw.net_tx_bytes,
                        raw.net_rx_packets, raw.net_tx_packets);
      }
    }
  }
  return raw;
}

}  // namespace augur::sampling
