#include "augur/host/cgroup_files.h"

#include <algorithm>
#include <cmath>

#include "text.h"

namespace augur::host {

namespace {
using text::parse_error;
using text::quote;

// The single non-empty line of a one-value file, or an error.
Result<std::string_view> single_line(std::string_view text, std::string_view where) {
  const auto all = text::lines(text);
  if (all.empty()) return parse_error("empty file", where);
  if (all.size() > 1) return parse_error("expected one line", where);
  return all[0];
}
}  // namespace

Result<std::uint64_t> parse_u64_file(std::string_view text, std::string_view where) {
  auto line = single_line(text, where);
  if (!line) return std::move(line).error();
  const auto v = text::to_u64(*line);
  if (!v) return parse_error("not an unsigned number: " + quote(*line), where);
  return *v;
}

std::optional<std::uint64_t> FlatKeyed::get(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return v;
  }
  return std::nullopt;
}

bool ControllerList::has(std::string_view controller) const {
  return std::find(names.begin(), names.end(), controller) != names.end();
}

std::string ControllerList::shown() const {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

ControllerList parse_controller_list(std::string_view text) {
  ControllerList out;
  for (std::string_view name : text::fields(text)) out.names.emplace_back(name);
  return out;
}

Result<FlatKeyed> parse_flat_keyed(std::string_view text, std::string_view where) {
  FlatKeyed out;
  const auto all = text::lines(text);
  if (all.empty()) return parse_error("empty file", where);
  for (const auto line : all) {
    const auto f = text::fields(line);
    const auto v = f.size() == 2 ? text::to_u64(f[1]) : std::nullopt;
    if (!v) return parse_error("malformed line " + quote(line), where);
    out.entries.emplace_back(std::string(f[0]), *v);
  }
  return out;
}

Result<CpuStatV2> parse_cpu_stat_v2(std::string_view text, std::string_view where) {
  auto kv = parse_flat_keyed(text, where);
  if (!kv) return std::move(kv).error();
  const auto usage = kv->get("usage_usec");
  const auto user = kv->get("user_usec");
  const auto system = kv->get("system_usec");
  if (!usage || !user || !system) {
    return parse_error("missing usage_usec/user_usec/system_usec", where);
  }
  CpuStatV2 out{*usage,
                *user,
                *system,
                kv->get("nr_periods"),
                kv->get("nr_throttled"),
                kv->get("throttled_usec")};
  return out;
}

Result<std::optional<std::uint64_t>> parse_max_or_u64(std::string_view text,
                                                      std::string_view where) {
  auto line = single_line(text, where);
  if (!line) return std::move(line).error();
  if (*line == "max") return std::optional<std::uint64_t>{};
  const auto v = text::to_u64(*line);
  if (!v) return parse_error("neither 'max' nor a number: " + quote(*line), where);
  return std::optional<std::uint64_t>{*v};
}

Result<CpuMax> parse_cpu_max(std::string_view text, std::string_view where) {
  auto line = single_line(text, where);
  if (!line) return std::move(line).error();
  const auto f = text::fields(*line);
  if (f.empty() || f.size() > 2) return parse_error("malformed cpu.max " + quote(*line), where);
  CpuMax out;
  if (f[0] != "max") {
    const auto q = text::to_u64(f[0]);
    if (!q) return parse_error("malformed cpu.max quota " + quote(*line), where);
    out.quota_usec = *q;
  }
  if (f.size() == 2) {
    const auto p = text::to_u64(f[1]);
    if (!p || *p == 0) return parse_error("malformed cpu.max period " + quote(*line), where);
    out.period_usec = *p;
  }
  return out;
}

Result<std::vector<IoStatEntry>> parse_io_stat(std::string_view text, std::string_view where) {
  std::vector<IoStatEntry> out;
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    const auto dev = text::dev_numbers(f[0]);
    if (!dev || f.size() < 2) return parse_error("malformed io.stat line " + quote(line), where);
    IoStatEntry e;
    e.major = dev->first;
    e.minor = dev->second;
    for (std::size_t i = 1; i < f.size(); ++i) {
      const auto kv = text::key_value(f[i]);
      const auto v = kv ? text::to_u64(kv->second) : std::nullopt;
      if (!v) return parse_error("malformed io.stat field " + quote(line), where);
      const auto key = kv->first;
      if (key == "rbytes")
        e.rbytes = *v;
      else if (key == "wbytes")
        e.wbytes = *v;
      else if (key == "rios")
        e.rios = *v;
      else if (key == "wios")
        e.wios = *v;
      else if (key == "dbytes")
        e.dbytes = *v;
      else if (key == "dios")
        e.dios = *v;
      // other keys (cost.*, with blk-iocost) are ignored
    }
    out.push_back(e);
  }
  return out;
}

Result<std::vector<IoLimit>> parse_io_max(std::string_view text, std::string_view where) {
  std::vector<IoLimit> out;
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    const auto dev = text::dev_numbers(f[0]);
    if (!dev || f.size() < 2) return parse_error("malformed io.max line " + quote(line), where);
    IoLimit l;
    l.major = dev->first;
    l.minor = dev->second;
    for (std::size_t i = 1; i < f.size(); ++i) {
      const auto kv = text::key_value(f[i]);
      if (!kv) return parse_error("malformed io.max field " + quote(line), where);
      std::optional<std::uint64_t> v;
      if (kv->second != "max") {
        v = text::to_u64(kv->second);
        if (!v) return parse_error("malformed io.max value " + quote(line), where);
      }
      if (kv->first == "rbps")
        l.rbps = v;
      else if (kv->first == "wbps")
        l.wbps = v;
      else if (kv->first == "riops")
        l.riops = v;
      else if (kv->first == "wiops")
        l.wiops = v;
    }
    out.push_back(l);
  }
  return out;
}

Result<CpuStatV1> parse_cpu_stat_v1(std::string_view text, std::string_view where) {
  auto kv = parse_flat_keyed(text, where);
  if (!kv) return std::move(kv).error();
  const auto periods = kv->get("nr_periods");
  const auto throttled = kv->get("nr_throttled");
  const auto time = kv->get("throttled_time");
  if (!periods || !throttled || !time) {
    return parse_error("missing nr_periods/nr_throttled/throttled_time", where);
  }
  return CpuStatV1{*periods, *throttled, *time};
}

Result<std::optional<std::uint64_t>> parse_cfs_quota_us(std::string_view text,
                                                        std::string_view where) {
  auto line = single_line(text, where);
  if (!line) return std::move(line).error();
  const auto v = text::to_i64(*line);
  if (!v || *v == 0 || *v < -1) return parse_error("malformed quota " + quote(*line), where);
  if (*v == -1) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{static_cast<std::uint64_t>(*v)};
}

Result<std::optional<std::uint64_t>> parse_memory_limit_v1(std::string_view text,
                                                           std::string_view where) {
  auto v = parse_u64_file(text, where);
  if (!v) return std::move(v).error();
  if (*v >= kV1UnlimitedMemoryThreshold) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{*v};
}

Result<BlkioStat> parse_blkio_throttle(std::string_view text, std::string_view where) {
  BlkioStat out;
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    if (f.size() == 2 && f[0] == "Total") {
      const auto v = text::to_u64(f[1]);
      if (!v) return parse_error("malformed Total line " + quote(line), where);
      out.total = *v;
      continue;
    }
    const auto dev = text::dev_numbers(f[0]);
    const auto v = f.size() == 3 ? text::to_u64(f[2]) : std::nullopt;
    if (!dev || !v) return parse_error("malformed blkio line " + quote(line), where);
    // Lines come grouped per device (Read, Write, Sync, Async, Discard, Total).
    if (out.devices.empty() || out.devices.back().major != dev->first ||
        out.devices.back().minor != dev->second) {
      out.devices.push_back(BlkioEntry{dev->first, dev->second});
    }
    auto& e = out.devices.back();
    const auto op = f[1];
    if (op == "Read")
      e.read = *v;
    else if (op == "Write")
      e.write = *v;
    else if (op == "Sync")
      e.sync = *v;
    else if (op == "Async")
      e.async = *v;
    else if (op == "Discard")
      e.discard = *v;
    else if (op == "Total")
      e.total = *v;
    else
      return parse_error("unknown blkio operation " + quote(line), where);
  }
  return out;
}

Result<std::vector<DeviceValue>> parse_blkio_device_limits(std::string_view text,
                                                           std::string_view where) {
  std::vector<DeviceValue> out;
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    const auto dev = text::dev_numbers(f[0]);
    const auto v = f.size() == 2 ? text::to_u64(f[1]) : std::nullopt;
    if (!dev || !v) return parse_error("malformed device limit line " + quote(line), where);
    out.push_back(DeviceValue{dev->first, dev->second, *v});
  }
  return out;
}

double instance_disk_limit(const std::vector<DeviceLimits>& limits) {
  if (limits.empty()) return std::nan("");
  double sum = 0;
  for (const auto& [read, write] : limits) {
    if (!read || !write) return std::nan("");
    sum += static_cast<double>(std::max(*read, *write));
  }
  return sum;
}

}  // namespace augur::host
