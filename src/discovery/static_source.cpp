#include "augur/discovery/static_source.h"

#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

#include "augur/host/proc_pid.h"

namespace augur::discovery {
namespace {

std::vector<pid_t> list_pids(const std::string& proc_root) {
  std::vector<pid_t> pids;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(proc_root.c_str()), ::closedir);
  if (!dir) return pids;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string_view name = e->d_name;
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec == std::errc{} && end == name.data() + name.size() && pid > 0) pids.push_back(pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

}  // namespace

Result<StaticSource> StaticSource::create(std::vector<config::StaticEntry> entries,
                                          std::string proc_root) {
  std::vector<Entry> compiled;
  for (auto& e : entries) {
    if (e.pid == 0 && e.process_name.empty()) {
      return Error{"static entry needs a pid or a process_name", e.name};
    }
    Entry entry{std::move(e), std::regex()};
    if (entry.config.pid == 0) {
      try {
        entry.regex = std::regex(entry.config.process_name, std::regex::ECMAScript);
      } catch (const std::regex_error& err) {
        return Error{std::string("invalid process_name regex: ") + err.what(), entry.config.name};
      }
    }
    compiled.push_back(std::move(entry));
  }
  return StaticSource(std::move(compiled), std::move(proc_root));
}

StaticSource::StaticSource(std::vector<Entry> entries, std::string proc_root)
    : entries_(std::move(entries)), proc_root_(std::move(proc_root)) {}

Result<std::vector<Instance>> StaticSource::discover() {
  std::vector<Instance> out;
  std::vector<pid_t> all_pids;  // listed once, only if some entry needs the regex
  bool listed = false;
  for (const auto& entry : entries_) {
    std::vector<pid_t> pids;
    if (entry.config.pid != 0) {
      pids.push_back(entry.config.pid);
    } else {
      if (!listed) {
        all_pids = list_pids(proc_root_);
        listed = true;
      }
      for (pid_t pid : all_pids) {
        auto comm = host::read_comm(proc_root_, pid, pid);
        if (comm && std::regex_search(*comm, entry.regex)) pids.push_back(pid);
      }
    }
    Instance inst;
    inst.kind = InstanceKind::kProcess;
    inst.id = "static:" + entry.config.name;
    inst.name = entry.config.name;
    inst.app_type = entry.config.app_type;
    for (pid_t pid : pids) {
      auto threads = host::list_threads(proc_root_, pid);
      if (!threads) continue;  // exited (or never existed)
      if (inst.main_pid == 0) {
        inst.main_pid = pid;
        if (auto refs = host::read_proc_cgroup(proc_root_, pid)) inst.cgroups = std::move(*refs);
      }
      inst.thread_ids.insert(inst.thread_ids.end(), threads->begin(), threads->end());
    }
    if (inst.main_pid == 0) continue;
    std::sort(inst.thread_ids.begin(), inst.thread_ids.end());
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace augur::discovery
