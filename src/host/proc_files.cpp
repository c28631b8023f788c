#include "augur/host/proc_files.h"

#include <array>

#include "text.h"

namespace augur::host {

namespace {
using text::parse_error;
using text::quote;
}  // namespace

Result<CpuTimes> parse_proc_stat_cpu(std::string_view text, std::string_view where) {
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    if (f[0] != "cpu") continue;
    // Linux >= 2.6.33 has 10 values; older kernels fewer (steal from 2.6.11). Require the
    // first four, default the rest.
    if (f.size() < 5) return parse_error("truncated cpu line " + quote(line), where);
    std::array<std::uint64_t, 10> v{};
    for (std::size_t i = 1; i < f.size() && i <= v.size(); ++i) {
      const auto n = text::to_u64(f[i]);
      if (!n) return parse_error("malformed cpu line " + quote(line), where);
      v[i - 1] = *n;
    }
    return CpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]};
  }
  return parse_error("no cpu line", where);
}

Result<MemInfo> parse_meminfo(std::string_view text, std::string_view where) {
  MemInfo out;
  bool total = false, free = false;
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    if (f.size() < 2 || f[0].back() != ':')
      return parse_error("malformed line " + quote(line), where);
    const auto key = f[0].substr(0, f[0].size() - 1);
    const auto n = text::to_u64(f[1]);
    if (!n) return parse_error("malformed value " + quote(line), where);
    // Values with a "kB" unit are in KiB; HugePages_* counts have no unit.
    const std::uint64_t bytes = (f.size() == 3 && f[2] == "kB") ? *n * 1024 : *n;
    if (key == "MemTotal")
      out.total_bytes = bytes, total = true;
    else if (key == "MemFree")
      out.free_bytes = bytes, free = true;
    else if (key == "MemAvailable")
      out.available_bytes = bytes;
    else if (key == "Buffers")
      out.buffers_bytes = bytes;
    else if (key == "Cached")
      out.cached_bytes = bytes;
  }
  if (!total || !free) return parse_error("missing MemTotal or MemFree", where);
  return out;
}

Result<SchedStat> parse_schedstat(std::string_view text, std::string_view where) {
  const auto all = text::lines(text);
  if (all.empty()) return parse_error("empty file", where);
  const auto f = text::fields(all[0]);
  if (f.size() != 3) return parse_error("expected 3 fields " + quote(all[0]), where);
  const auto run = text::to_u64(f[0]);
  const auto wait = text::to_u64(f[1]);
  const auto slices = text::to_u64(f[2]);
  if (!run || !wait || !slices) return parse_error("malformed schedstat " + quote(all[0]), where);
  return SchedStat{*run, *wait, *slices};
}

Result<std::vector<NetDevStats>> parse_net_dev(std::string_view text, std::string_view where) {
  const auto all = text::lines(text);
  if (all.size() < 2 || all[0].find("Receive") == std::string_view::npos ||
      all[1].find("bytes") == std::string_view::npos) {
    return parse_error("missing net/dev header", where);
  }
  std::vector<NetDevStats> out;
  for (std::size_t i = 2; i < all.size(); ++i) {
    const auto line = all[i];
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return parse_error("malformed line " + quote(line), where);
    const auto f = text::fields(line.substr(colon + 1));
    // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
    if (f.size() < 16) return parse_error("truncated line " + quote(line), where);
    std::array<std::uint64_t, 16> v{};
    for (std::size_t k = 0; k < v.size(); ++k) {
      const auto n = text::to_u64(f[k]);
      if (!n) return parse_error("malformed line " + quote(line), where);
      v[k] = *n;
    }
    NetDevStats s;
    s.name = std::string(text::trim(line.substr(0, colon)));
    s.rx_bytes = v[0], s.rx_packets = v[1], s.rx_errors = v[2], s.rx_dropped = v[3];
    s.tx_bytes = v[8], s.tx_packets = v[9], s.tx_errors = v[10], s.tx_dropped = v[11];
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<DiskStats>> parse_diskstats(std::string_view text, std::string_view where) {
  std::vector<DiskStats> out;
  const auto all = text::lines(text);
  if (all.empty()) return parse_error("empty file", where);
  for (const auto line : all) {
    const auto f = text::fields(line);
    // major minor name + at least 11 counters (14 fields since 2.6; more since 4.18, 5.5).
    if (f.size() < 14) return parse_error("truncated line " + quote(line), where);
    const auto maj = text::to_u64(f[0]);
    const auto min = text::to_u64(f[1]);
    std::array<std::uint64_t, 11> v{};
    bool ok = maj && min;
    for (std::size_t k = 0; ok && k < v.size(); ++k) {
      const auto n = text::to_u64(f[3 + k]);
      ok = n.has_value();
      if (n) v[k] = *n;
    }
    if (!ok) return parse_error("malformed line " + quote(line), where);
    DiskStats d;
    d.major = static_cast<std::uint32_t>(*maj);
    d.minor = static_cast<std::uint32_t>(*min);
    d.name = std::string(f[2]);
    d.reads_completed = v[0];
    d.sectors_read = v[2];
    d.writes_completed = v[4];
    d.sectors_written = v[6];
    d.io_ticks_ms = v[9];
    out.push_back(std::move(d));
  }
  return out;
}

Result<unsigned> parse_cpu_list_count(std::string_view text, std::string_view where) {
  const auto t = text::trim(text);
  if (t.empty()) return parse_error("empty cpu list", where);
  unsigned count = 0;
  std::size_t start = 0;
  while (start <= t.size()) {
    auto end = t.find(',', start);
    if (end == std::string_view::npos) end = t.size();
    const auto item = t.substr(start, end - start);
    const auto dash = item.find('-');
    const auto lo = text::to_u64(item.substr(0, dash));
    const auto hi = dash == std::string_view::npos ? lo : text::to_u64(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi > 1u << 20) {
      return parse_error("malformed cpu list " + quote(t), where);
    }
    count += static_cast<unsigned>(*hi - *lo + 1);
    start = end + 1;
  }
  return count;
}

}  // namespace augur::host
