#include <string>

#include "augur/trace/parse.h"
#include "builder.h"

namespace augur::trace {

namespace {

enum class Kind { kAlibaba, kGoogle, kAzure };

constexpr std::int64_t kSecondsPerYear = 366LL * 24 * 3600;

// "..._grouped_300_seconds..." -> 300; 0 when absent or longer than a year (a window that
// long is no usage trace, and row x step must stay far from int64's edge).
std::int64_t step_from_name(std::string_view name) {
  constexpr std::string_view kKey = "grouped_";
  auto at = name.find(kKey);
  if (at == std::string_view::npos) return 0;
  auto rest = name.substr(at + kKey.size());
  auto us = rest.find('_');
  std::int64_t v = 0;
  if (us == std::string_view::npos || !parse_int64(rest.substr(0, us), v) || v <= 0 ||
      v > kSecondsPerYear) {
    return 0;
  }
  return v;
}

std::string stem(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  for (std::string_view ext : {".gz", ".csv"}) {
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) {
      path.remove_suffix(ext.size());
    }
  }
  return std::string(path);
}

// Azure's assigned_mem is in GB buckets of the VM table; counted as GiB.
constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;
// Fallback when the file name has no "grouped_<N>_seconds": the 5-minute windows of
// Google's aggregate (SOURCES.md).
constexpr std::int64_t kDefaultStepS = 300;

}  // namespace

Result<Trace> parse_aggregate(std::string_view text, std::string_view source) {
  const std::string src(source);
  detail::LineReader lines(text);
  std::string_view line;
  bool have_header = false;
  while (lines.next(line)) {
    if (!detail::trim(line).empty()) {
      have_header = true;
      break;
    }
  }
  if (!have_header) return Error{"empty aggregate trace", src};
  std::vector<std::string_view> f;
  split_fields(line, ",", f);
  std::vector<std::string> header;
  for (auto h : f) header.emplace_back(detail::trim(h));
  Kind kind{};
  if (header == std::vector<std::string>{"cpu_util_percent", "mem_util_percent", "net_in",
                                         "net_out", "disk_io_percent"}) {
    kind = Kind::kAlibaba;
  } else if (header == std::vector<std::string>{"avg_cpu", "avg_mem", "avg_assigned_mem",
                                                "avg_cycles_per_instruction"}) {
    kind = Kind::kGoogle;
  } else if (header == std::vector<std::string>{"timestamp", "cpu_usage", "assigned_mem"}) {
    kind = Kind::kAzure;
  } else {
    return Error{"aggregate: unrecognised header (alibaba2018, google2019 or azure2019 expected)",
                 src + ":" + std::to_string(lines.line_number())};
  }

  Trace trace;
  trace.format = "aggregate";
  trace.path = src;
  TraceReport& rep = trace.report;
  TraceInstance base;
  base.id = stem(source);
  base.source = src;
  base.aggregate = true;
  std::vector<Metric> metrics;
  std::vector<Resource> resources;
  switch (kind) {
    case Kind::kAlibaba:
      metrics = {Metric::kCpuUsageCores, Metric::kMemoryBytes, Metric::kDiskReadBytes,
                 Metric::kNetRxBytes, Metric::kNetTxBytes};
      for (Metric m : metrics) base.normalised.set(static_cast<std::size_t>(m));
      break;
    case Kind::kGoogle:
      metrics = {Metric::kCpuUsageCores, Metric::kMemoryBytes};
      for (Metric m : metrics) base.normalised.set(static_cast<std::size_t>(m));
      resources = {Resource::kMemory};
      base.capacity_normalised.set(static_cast<std::size_t>(Resource::kMemory));
      base.extra_names = {"cycles_per_instruction"};
      break;
    case Kind::kAzure:
      metrics = {Metric::kCpuUsageCores};
      resources = {Resource::kMemory};
      break;
  }
  detail::InstanceBuilder b(std::move(base), metrics, resources);
  std::int64_t step_s = step_from_name(source);
  if (step_s == 0) step_s = kDefaultStepS;
  std::int64_t index = 0;
  std::array<double, 5> v{};
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    ++rep.rows_read;
    const std::size_t ln = lines.line_number();
    split_fields(line, ",", f);
    const std::int64_t row_index = index++;  // windows are consecutive even past a bad row
    if (f.size() != header.size()) {
      rep.drop(src, ln, "wrong number of fields");
      continue;
    }
    bool ok = true;
    std::int64_t ts = row_index * step_s;
    std::size_t first_value = 0;
    if (kind == Kind::kAzure) {
      ok = parse_timestamp(f[0], ts);
      first_value = 1;
      if (!ok) {
        rep.drop(src, ln, "bad timestamp");
        continue;
      }
    }
    for (std::size_t i = first_value; i < f.size() && ok; ++i) {
      ok = parse_double(f[i], v[i]) && v[i] >= 0;
    }
    if (!ok) {
      rep.drop(src, ln, "bad number");
      continue;
    }
    b.add_row(ts, ln);
    switch (kind) {
      case Kind::kAlibaba:
        b.set(Metric::kCpuUsageCores, v[0] / 100.0);
        b.set(Metric::kMemoryBytes, v[1] / 100.0);
        b.set(Metric::kNetRxBytes, v[2] / 100.0);
        b.set(Metric::kNetTxBytes, v[3] / 100.0);
        b.set(Metric::kDiskReadBytes, v[4] / 100.0);
        break;
      case Kind::kGoogle:
        b.set(Metric::kCpuUsageCores, v[0]);
        b.set(Metric::kMemoryBytes, v[1]);
        b.set_capacity(Resource::kMemory, v[2]);
        b.set_extra(0, v[3]);
        break;
      case Kind::kAzure:
        b.set(Metric::kCpuUsageCores, v[1] / 100.0);
        b.set_capacity(Resource::kMemory, v[2] * kBytesPerGib);
        break;
    }
  }
  if (b.rows() == 0) return Error{"no usable rows in aggregate trace", src};
  trace.instances.push_back(b.finish(rep));
  return trace;
}

}  // namespace augur::trace
