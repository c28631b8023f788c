#include "augur/discovery/qemu_process.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "augur/host/open_file.h"
#include "augur/host/proc_pid.h"

namespace augur::discovery {

std::optional<int> parse_vcpu_thread_name(std::string_view comm) {
  // QEMU: qemu_thread_create(..., "CPU %d/%s", cpu_index, accel name), comm is cut at 15 chars.
  constexpr std::string_view kPrefix = "CPU ";
  if (!comm.starts_with(kPrefix)) return std::nullopt;
  comm.remove_prefix(kPrefix.size());
  int index = -1;
  const auto [end, ec] = std::from_chars(comm.data(), comm.data() + comm.size(), index);
  if (ec != std::errc{} || index < 0 || end == comm.data()) return std::nullopt;
  const std::string_view rest(end, static_cast<std::size_t>(comm.data() + comm.size() - end));
  if (rest.size() < 2 || rest.front() != '/') return std::nullopt;
  return index;
}

bool cmdline_names_guest(std::string_view cmdline, std::string_view domain) {
  std::vector<std::string_view> args;
  while (!cmdline.empty()) {
    const auto nul = cmdline.find('\0');
    args.push_back(cmdline.substr(0, nul));
    if (nul == std::string_view::npos) break;
    cmdline.remove_prefix(nul + 1);
  }
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "-name") continue;
    std::string_view value = args[i + 1];
    if (value == domain) return true;  // old syntax: -name <domain>
    // -name guest=<domain>,debug-threads=on; QEMU writes a ',' inside a value as ",,".
    std::string option;
    for (std::size_t k = 0; k <= value.size(); ++k) {
      if (k < value.size() && value[k] == ',' && k + 1 < value.size() && value[k + 1] == ',') {
        option.push_back(',');
        ++k;
      } else if (k == value.size() || value[k] == ',') {
        if (option.starts_with("guest=") && std::string_view(option).substr(6) == domain) {
          return true;
        }
        option.clear();
      } else {
        option.push_back(value[k]);
      }
    }
  }
  return false;
}

std::vector<CgroupRef> domain_cgroups_from_process(std::vector<CgroupRef> refs) {
  constexpr std::string_view kEmulator = "/emulator";
  for (auto& ref : refs) {
    if (std::string_view(ref.path).ends_with(kEmulator) && ref.path.size() > kEmulator.size()) {
      ref.path.resize(ref.path.size() - kEmulator.size());
    }
  }
  // A host cgroup of "/" means the controller is not delegated to the domain (e.g. cpuacct
  // on a host where libvirt accounts through cgroup2): not the domain's.
  std::erase_if(refs, [](const CgroupRef& r) { return r.path == "/" || r.path.empty(); });
  return refs;
}

Result<pid_t> read_qemu_pid(const std::string& runtime_dir, const std::string& domain) {
  const std::string path = runtime_dir + "/" + domain + ".pid";
  auto text = host::read_file(path);
  if (!text) return std::move(text).error();
  std::string_view v = *text;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), pid);
  if (ec != std::errc{} || end != v.data() + v.size() || pid <= 0) {
    return Error{"pid file does not hold a pid", path};
  }
  return pid;
}

Result<QemuProcess> inspect_qemu_process(const std::string& proc_root, pid_t pid,
                                         std::string_view domain) {
  const std::string cmdline_path = proc_root + "/" + std::to_string(pid) + "/cmdline";
  auto cmdline = host::read_file(cmdline_path);
  if (!cmdline) return std::move(cmdline).error();
  if (!cmdline_names_guest(*cmdline, domain)) {
    return Error{
        "process is not the QEMU of domain '" + std::string(domain) + "' (stale pid file?)",
        cmdline_path};
  }
  QemuProcess out;
  out.pid = pid;
  auto tids = host::list_threads(proc_root, pid);
  if (!tids) return std::move(tids).error();
  std::vector<std::pair<int, pid_t>> vcpus;
  for (pid_t tid : *tids) {
    auto comm = host::read_comm(proc_root, pid, tid);
    if (!comm) continue;  // thread exited during the scan
    if (auto index = parse_vcpu_thread_name(*comm)) vcpus.emplace_back(*index, tid);
  }
  std::sort(vcpus.begin(), vcpus.end());
  for (const auto& [index, tid] : vcpus) {
    out.vcpu_indexes.push_back(index);
    out.vcpu_threads.push_back(tid);
  }
  auto refs = host::read_proc_cgroup(proc_root, pid);
  if (!refs) return std::move(refs).error();
  out.cgroups = domain_cgroups_from_process(std::move(*refs));
  return out;
}

}  // namespace augur::discovery
