#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

#include "augur/trace/parse.h"
#include "builder.h"

namespace augur::trace {

namespace {

constexpr std::size_t kUsageColumns = 9;
constexpr std::size_t kMetaColumns = 7;

// Raw columns of one machine_usage row, in file order after machine_id and time_stamp.
enum Col : std::size_t { kCpu, kMem, kMemGps, kMkpi, kNetIn, kNetOut, kDisk, kCols };
constexpr std::array<std::string_view, kCols> kColNames = {
    "cpu_util_percent", "mem_util_percent", "mem_gps",        "mkpi",
    "net_in",           "net_out",          "disk_io_percent"};

struct Obs {
  std::int64_t ts = 0;
  std::size_t line = 0;
  std::array<double, kCols> v{};
};

struct MetaRow {
  std::int64_t ts = 0;
  double cpu_num = kUnknown;
  double mem_size = kUnknown;  // % of the largest machine
};

struct Machine {
  std::vector<Obs> obs;
  std::vector<MetaRow> meta;
};

bool is_percent_column(std::size_t c) {
  return c != kMemGps && c != kMkpi;
}

void parse_meta(std::string_view text, const std::string& src,
                std::map<std::string, Machine, std::less<>>& machines, TraceReport& rep) {
  const std::string meta_src = src + " (machine_meta)";
  detail::LineReader lines(text);
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    split_fields(line, ",", f);
    MetaRow row;
    std::int64_t ts = 0;
    if (f.size() != kMetaColumns || detail::trim(f[0]).empty() || !parse_int64(f[1], ts)) {
      rep.drop(meta_src, lines.line_number(), "machine_meta: bad row");
      continue;
    }
    auto id = detail::trim(f[0]);
    auto it = machines.find(id);
    if (it == machines.end()) continue;  // a machine this usage slice does not hold
    row.ts = ts;
    double v = 0;
    if (parse_double(f[4], v) && v > 0) row.cpu_num = v;
    if (parse_double(f[5], v) && v > 0 && v <= 100) row.mem_size = v;
    it->second.meta.push_back(row);
  }
  for (auto& [id, m] : machines) {
    std::stable_sort(m.meta.begin(), m.meta.end(),
                     [](const MetaRow& a, const MetaRow& b) { return a.ts < b.ts; });
  }
}

// The meta row in force at `ts`, else the first one; nullptr when none.
const MetaRow* meta_at(const Machine& m, std::int64_t ts) {
  if (m.meta.empty()) return nullptr;
  const MetaRow* best = &m.meta.front();
  for (const auto& row : m.meta) {
    if (row.ts <= ts) best = &row;
  }
  return best;
}

std::int64_t ceil_to(std::int64_t t, std::int64_t step) {
  std::int64_t q = t / step;
  if (q * step < t) ++q;
  return q * step;
}

void emit_segment(const std::string& machine_id, int segment, const std::string& src,
                  const Machine& m, std::size_t first, std::size_t last, std::int64_t step_s,
                  Trace& trace) {
  TraceReport& rep = trace.report;
  const std::int64_t g0 = ceil_to(m.obs[first].ts, step_s);
  const std::int64_t g_end = m.obs[last].ts;
  if (g0 > g_end) {
    for (std::size_t k = first; k <= last; ++k) {
      rep.drop(src, m.obs[k].line, "series shorter than one resampling step");
    }
    return;
  }
  rep.rows_used += last - first + 1;
  const MetaRow* meta = meta_at(m, m.obs[first].ts);
  const double cpu_num = meta ? meta->cpu_num : kUnknown;
  const double mem_size = meta ? meta->mem_size : kUnknown;

  TraceInstance base;
  base.id = segment == 1 ? machine_id : machine_id + "#" + std::to_string(segment);
  base.source = src;
  base.extra_names = {"mem_gps", "mkpi"};
  // Without cpu_num the CPU stays a fraction of the machine; memory is always a fraction.
  if (std::isnan(cpu_num)) base.normalised.set(static_cast<std::size_t>(Metric::kCpuUsageCores));
  for (Metric nm :
       {Metric::kMemoryBytes, Metric::kDiskReadBytes, Metric::kNetRxBytes, Metric::kNetTxBytes}) {
    base.normalised.set(static_cast<std::size_t>(nm));
  }
  base.capacity_normalised.set(static_cast<std::size_t>(Resource::kMemory));
  std::vector<Resource> resources;
  if (!std::isnan(cpu_num)) resources.push_back(Resource::kCpu);
  if (!std::isnan(mem_size)) resources.push_back(Resource::kMemory);
  detail::InstanceBuilder b(std::move(base),
                            {Metric::kCpuUsageCores, Metric::kMemoryBytes, Metric::kDiskReadBytes,
                             Metric::kNetRxBytes, Metric::kNetTxBytes},
                            resources);
  std::size_t k = first;
  for (std::int64_t g = g0; g <= g_end; g += step_s) {
    while (k + 1 <= last && m.obs[k + 1].ts <= g) ++k;  // last observation at or before g
    const auto& o = m.obs[k];
    b.add_row(g, o.line);
    const double cpu_scale = std::isnan(cpu_num) ? 1.0 : cpu_num;
    const double mem_scale = std::isnan(mem_size) ? 1.0 : mem_size / 100.0;
    b.set(Metric::kCpuUsageCores, o.v[kCpu] / 100.0 * cpu_scale);
    b.set(Metric::kMemoryBytes, o.v[kMem] / 100.0 * mem_scale);
    b.set(Metric::kDiskReadBytes, o.v[kDisk] / 100.0);
    b.set(Metric::kNetRxBytes, o.v[kNetIn] / 100.0);
    b.set(Metric::kNetTxBytes, o.v[kNetOut] / 100.0);
    b.set_extra(0, o.v[kMemGps]);
    b.set_extra(1, o.v[kMkpi]);
    if (!std::isnan(cpu_num)) b.set_capacity(Resource::kCpu, cpu_num);
    if (!std::isnan(mem_size)) b.set_capacity(Resource::kMemory, mem_size / 100.0);
  }
  trace.instances.push_back(b.finish(rep, /*count_used=*/false));
  trace.instances.back().step = std::chrono::seconds(step_s);  // even for a one-row series
}

}  // namespace

Result<Trace> parse_alibaba_machine(std::string_view usage_text, std::string_view meta_text,
                                    std::string_view source, const AlibabaOptions& options) {
  const std::string src(source);
  if (options.step.count() <= 0 || options.max_gap_steps < 1) {
    return Error{"alibaba-machine: step and max_gap_steps must be positive", src};
  }
  if (options.step.count() > kMaxTimestampS / options.max_gap_steps) {
    return Error{"alibaba-machine: step times max_gap_steps is beyond any trace's length", src};
  }
  Trace trace;
  trace.format = "alibaba-machine";
  trace.path = src;
  TraceReport& rep = trace.report;
  std::map<std::string, Machine, std::less<>> machines;
  std::vector<std::string> order;
  detail::LineReader lines(usage_text);
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    ++rep.rows_read;
    const std::size_t ln = lines.line_number();
    split_fields(line, ",", f);
    if (f.size() != kUsageColumns) {
      rep.drop(src, ln, "wrong number of fields");
      continue;
    }
    auto id = detail::trim(f[0]);
    Obs o;
    o.line = ln;
    if (id.empty()) {
      rep.drop(src, ln, "empty machine id");
      continue;
    }
    if (!parse_timestamp(f[1], o.ts)) {
      rep.drop(src, ln, "bad timestamp");
      continue;
    }
    bool bad = false;
    for (std::size_t c = 0; c < kCols && !bad; ++c) {
      auto cell = detail::trim(f[c + 2]);
      o.v[c] = kUnknown;
      if (cell.empty()) {
        // mem_gps and mkpi are sparse by nature (SOURCES.md): not worth a count.
        if (is_percent_column(c)) rep.mask(src, ln, "empty " + std::string(kColNames[c]));
        continue;
      }
      double v = 0;
      if (!parse_double(cell, v)) {
        bad = true;
        break;
      }
      if (is_percent_column(c) && (v < 0 || v > 100)) {
        // -1 and 101 are the trace's invalid markers (schema.txt).
        rep.mask(src, ln, std::string(kColNames[c]) + " outside [0,100] (-1/101 invalid)");
        continue;
      }
      o.v[c] = v;
    }
    if (bad) {
      rep.drop(src, ln, "bad number");
      continue;
    }
    auto it = machines.find(id);
    if (it == machines.end()) {
      it = machines.emplace(std::string(id), Machine{}).first;
      order.emplace_back(id);
    }
    it->second.obs.push_back(o);
  }
  if (order.empty()) return Error{"no usable rows in alibaba machine_usage", src};
  parse_meta(meta_text, src, machines, rep);

  const std::int64_t step_s = options.step.count();
  const std::int64_t max_gap_s = step_s * options.max_gap_steps;
  for (const auto& id : order) {
    Machine& m = machines.at(id);
    std::stable_sort(m.obs.begin(), m.obs.end(),
                     [](const Obs& a, const Obs& b) { return a.ts < b.ts; });
    std::vector<Obs> unique;
    unique.reserve(m.obs.size());
    for (const auto& o : m.obs) {
      if (!unique.empty() && unique.back().ts == o.ts) {
        ++rep.duplicate_rows;
        rep.drop(src, o.line, "duplicate timestamp");
        continue;
      }
      unique.push_back(o);
    }
    m.obs = std::move(unique);
    int segment = 1;
    std::size_t first = 0;
    for (std::size_t k = 0; k < m.obs.size(); ++k) {
      const bool end = k + 1 == m.obs.size() || m.obs[k + 1].ts - m.obs[k].ts > max_gap_s;
      if (!end) continue;
      const std::size_t before = trace.instances.size();
      emit_segment(id, segment, src, m, first, k, step_s, trace);
      if (trace.instances.size() > before) {
        if (segment > 1) ++rep.series_splits;
        ++segment;
      }
      first = k + 1;
    }
  }
  if (trace.instances.empty()) return Error{"no series long enough to resample", src};
  return trace;
}

}  // namespace augur::trace
