#include "augur/sampling/perf/cpu_list.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace augur::sampling {
namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && p == end && out >= 0;
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::vector<int> cpus;
  if (text.empty()) return cpus;
  auto bad = [&](std::string_view part) {
    return Error{"malformed CPU list entry '" + std::string(part) + "'", "cpu list", 0};
  };
  // Bound on one range: a garbage "0-2000000000" must not allocate gigabytes.
  constexpr int kMaxCpus = 1 << 16;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto dash = part.find('-');
    int lo = 0;
    int hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_int(part, lo)) return bad(part);
      hi = lo;
    } else if (!parse_int(part.substr(0, dash), lo) || !parse_int(part.substr(dash + 1), hi) ||
               hi < lo) {
      return bad(part);
    }
    if (hi >= kMaxCpus || (!cpus.empty() && lo <= cpus.back())) return bad(part);
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  return cpus;
}

Result<std::vector<int>> read_online_cpus(const std::string& sysfs_root) {
  const std::string path = sysfs_root + "/devices/system/cpu/online";
  std::ifstream in(path);
  if (!in) return errno_error("cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto cpus = parse_cpu_list(ss.str());
  if (!cpus) return Error{cpus.error().what, path, 0};
  return cpus;
}

}  // namespace augur::sampling
