#include <cmath>
#include <string>

#include "augur/trace/parse.h"
#include "builder.h"

namespace augur::trace {

namespace {
constexpr std::size_t kColumns = 11;
// Bitbrains' KB are KiB: 8,218,624 KB provisioned is the 7.8 GiB SOURCES.md lists.
constexpr double kBytesPerKb = 1024.0;
}  // namespace

Result<Trace> parse_bitbrains(std::string_view text, std::string_view instance_id,
                              std::string_view source) {
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
  if (!have_header) return Error{"empty bitbrains file", src};
  std::vector<std::string_view> f;
  split_fields(line, ";\t", f);
  if (f.size() != kColumns || detail::trim(f[0]).rfind("Timestamp", 0) != 0) {
    return Error{
        "not a bitbrains header (expected 11 ';\\t'-separated columns from "
        "'Timestamp [ms]')",
        src + ":" + std::to_string(lines.line_number())};
  }

  Trace trace;
  trace.format = "bitbrains";
  trace.path = src;
  TraceInstance base;
  base.id = std::string(instance_id);
  base.source = src;
  detail::InstanceBuilder b(std::move(base),
                            {Metric::kCpuUsageCores, Metric::kMemoryBytes, Metric::kDiskReadBytes,
                             Metric::kDiskWriteBytes, Metric::kNetRxBytes, Metric::kNetTxBytes},
                            {Resource::kCpu, Resource::kMemory});
  TraceReport& rep = trace.report;
  std::array<double, kColumns> v{};
  while (lines.next(line)) {
    if (detail::trim(line).empty()) continue;
    ++rep.rows_read;
    const std::size_t ln = lines.line_number();
    split_fields(line, ";\t", f);
    if (f.size() != kColumns) {
      rep.drop(src, ln, "wrong number of fields");
      continue;
    }
    std::int64_t ts = 0;
    if (!parse_int64(f[0], ts)) {
      double tsd = 0;  // a few exports write "1.3726E9"
      // Out of int64's range is as bad as a fraction (found by fuzz_trace: 1.37e109).
      if (!parse_double(f[0], tsd) || tsd != std::floor(tsd) || !(std::fabs(tsd) < 9.2e18)) {
        rep.drop(src, ln, "bad timestamp");
        continue;
      }
      ts = static_cast<std::int64_t>(tsd);
    }
    if (ts <= 0 || ts > kMaxTimestampS) {
      rep.drop(src, ln, "bad timestamp");
      continue;
    }
    bool ok = true;
    for (std::size_t i = 1; i < kColumns && ok; ++i) ok = parse_double(f[i], v[i]);
    if (!ok) {
      rep.drop(src, ln, "bad number");
      continue;
    }
    bool negative = false;
    for (std::size_t i = 1; i < kColumns; ++i) negative = negative || v[i] < 0;
    if (negative) {
      rep.drop(src, ln, "negative value");
      continue;
    }
    b.add_row(ts, ln);
    const double cores = v[1];
    const double cap_mhz = v[2];
    if (cores > 0 && cap_mhz > 0) {
      // EVALUATION.md: MHz / per-core MHz, per-core MHz = capacity MHz / cores.
      b.set(Metric::kCpuUsageCores, v[3] / (cap_mhz / cores));
      b.set_capacity(Resource::kCpu, cores);
    } else {
      // 2013-9/41.csv reports 0 cores and 0 MHz for its last 5,443 rows while memory, disk
      // and network go on: CPU cannot be converted, the rest of the row is good.
      rep.mask(src, ln, "zero CPU cores or capacity: CPU masked");
    }
    b.set(Metric::kMemoryBytes, v[6] * kBytesPerKb);
    b.set(Metric::kDiskReadBytes, v[7] * kBytesPerKb);
    b.set(Metric::kDiskWriteBytes, v[8] * kBytesPerKb);
    b.set(Metric::kNetRxBytes, v[9] * kBytesPerKb);
    b.set(Metric::kNetTxBytes, v[10] * kBytesPerKb);
    b.set_capacity(Resource::kMemory, v[5] * kBytesPerKb);
  }
  if (b.rows() == 0) return Error{"no usable rows in bitbrains file", src};
  trace.instances.push_back(b.finish(rep));
  return trace;
}

}  // namespace augur::trace
