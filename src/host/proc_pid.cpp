#include "augur/host/proc_pid.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "augur/host/open_file.h"
#include "text.h"

namespace augur::host {

namespace {
std::string pid_dir(const std::string& proc_root, pid_t pid) {
  return proc_root + "/" + (pid == 0 ? std::string("self") : std::to_string(pid));
}
}  // namespace

Result<std::vector<CgroupRef>> parse_proc_cgroup(std::string_view text, std::string_view where) {
  std::vector<CgroupRef> out;
  const auto all = text::lines(text);
  if (all.empty()) return text::parse_error("empty cgroup file", where);
  for (const auto line : all) {
    const auto c1 = line.find(':');
    const auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) {
      return text::parse_error("malformed cgroup line " + text::quote(line), where);
    }
    const auto id = text::to_u64(line.substr(0, c1));
    const auto controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const auto path = line.substr(c2 + 1);
    if (!id || path.empty() || path.front() != '/') {
      return text::parse_error("malformed cgroup line " + text::quote(line), where);
    }
    if (*id == 0 && controllers.empty()) {
      out.push_back(CgroupRef{"", std::string(path)});
      continue;
    }
    std::size_t start = 0;
    while (start <= controllers.size()) {
      auto end = controllers.find(',', start);
      if (end == std::string_view::npos) end = controllers.size();
      const auto name = controllers.substr(start, end - start);
      // Named hierarchies carry no resource controller.
      if (!name.empty() && name.substr(0, 5) != "name=") {
        out.push_back(CgroupRef{std::string(name), std::string(path)});
      }
      start = end + 1;
    }
  }
  return out;
}

Result<std::vector<CgroupRef>> read_proc_cgroup(const std::string& proc_root, pid_t pid) {
  const auto path = pid_dir(proc_root, pid) + "/cgroup";
  auto content = read_file(path);
  if (!content) return std::move(content).error();
  // A process exiting between open and read leaves an empty file.
  if (content->empty()) return Error{"process gone", path, ESRCH};
  return parse_proc_cgroup(*content, path);
}

Result<std::vector<pid_t>> list_threads(const std::string& proc_root, pid_t pid) {
  const auto path = pid_dir(proc_root, pid) + "/task";
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return errno_error("opendir", path);
  std::vector<pid_t> tids;
  errno = 0;
  while (const dirent* e = ::readdir(dir.get())) {
    const auto tid = text::to_u64(e->d_name);
    if (tid && *tid > 0 && *tid <= static_cast<std::uint64_t>(INT32_MAX)) {
      tids.push_back(static_cast<pid_t>(*tid));
    }
  }
  if (errno != 0) return errno_error("readdir", path);
  // An exited process keeps an empty task directory while it is a zombie.
  if (tids.empty()) return Error{"process has no threads", path, ESRCH};
  std::sort(tids.begin(), tids.end());
  return tids;
}

Result<std::string> read_comm(const std::string& proc_root, pid_t pid, pid_t tid) {
  const auto path = pid_dir(proc_root, pid) + "/task/" + std::to_string(tid) + "/comm";
  auto content = read_file(path);
  if (!content) return std::move(content).error();
  if (content->empty()) return Error{"thread gone", path, ESRCH};
  if (content->back() == '\n') content->pop_back();
  return std::move(*content);
}

Result<std::string> read_net_namespace(const std::string& proc_root, pid_t pid) {
  const auto path = pid_dir(proc_root, pid) + "/ns/net";
  std::string buf(128, '\0');
  const auto n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n < 0) return errno_error("readlink", path);
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

}  // namespace augur::host
