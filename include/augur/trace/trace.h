#pragma once
// The in-memory model of a recorded trace, shared by replay and by the drift tests: one
// loader for every consumer. Column-wise per instance so a consumer walks one metric fast.
#include <array>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "augur/core/metric.h"
#include "augur/core/resource.h"

namespace augur::trace {

// One instance's series. Row r is at timestamps_s[r] (seconds; Unix time where the trace
// says so, else seconds from the trace's start), strictly increasing.
//
// Masking: demand[m] empty means the trace lacks metric m altogether; a NaN cell means the
// value at that row was missing or invalid. Neither is ever zero.
//
// Units: metric.h's units (cores, bytes, bytes/s) unless `normalised` has the metric's bit:
// then the value is a trace-specific dimensionless fraction (0..1, e.g. Alibaba's
// utilisation percentages / 100) comparable only within that trace. Same rule for
// capacity and `capacity_normalised`.
struct TraceInstance {
  std::string id;
  std::string source;            // file it was read from
  std::string app_type;          // empty when the trace declares none
  std::chrono::seconds step{0};  // the median interval between rows
  bool aggregate = false;        // a cluster-wide sum/mean, not an instance: report apart
  std::vector<std::int64_t> timestamps_s;
  std::array<std::vector<double>, kMetricCount> demand;
  std::bitset<kMetricCount> normalised;
  // Provisioned capacity per resource and row; empty when the trace does not provision it.
  std::array<std::vector<double>, kResourceCount> capacity;
  std::bitset<kResourceCount> capacity_normalised;
  // Columns with no Metric (e.g. Alibaba mem_gps, mkpi; Google cycles per instruction).
  std::vector<std::string> extra_names;
  std::vector<std::vector<double>> extra;  // extra[k][row], NaN when missing

  [[nodiscard]] std::size_t rows() const { return timestamps_s.size(); }
  [[nodiscard]] bool has(Metric m) const { return !demand[static_cast<std::size_t>(m)].empty(); }
  // NaN when masked.
  [[nodiscard]] double value(std::size_t row, Metric m) const;
  // Demand per resource: cpu = cpu_usage_cores, memory = memory_bytes, disk = read + write
  // bytes/s, network = rx + tx bytes/s. NaN when every part is absent, or a present part is
  // NaN at this row (a partial sum would understate demand).
  [[nodiscard]] ResourceVector resource_demand(std::size_t row) const;
  // NaN where not provisioned.
  [[nodiscard]] ResourceVector capacity_at(std::size_t row) const;
};

// What loading saw, so nothing is silently used or dropped.
struct TraceReport {
  std::size_t rows_read = 0;       // data rows in the input (headers and blank lines excluded)
  std::size_t rows_used = 0;       // rows that became (or fed) series rows
  std::size_t duplicate_rows = 0;  // dropped: same instance and timestamp as an earlier row
  std::size_t series_splits = 0;   // resampled series cut by a gap (a new instance started)
  // reason -> rows not used. rows_used + dropped of data rows == rows_read; Alibaba's
  // unreadable machine_meta rows are counted here too ("machine_meta: bad row") though
  // rows_read counts machine_usage rows only.
  std::map<std::string, std::size_t> dropped_rows;
  std::map<std::string, std::size_t> masked_values;  // reason -> cells masked, row kept
  std::vector<std::string> examples;                 // the first few "source:line: reason"
  std::vector<std::string> skipped_files;            // "path: why" (folder loads)

  static constexpr std::size_t kMaxExamples = 20;
  void drop(const std::string& source, std::size_t line, const std::string& reason);
  void mask(const std::string& source, std::size_t line, const std::string& reason);
  [[nodiscard]] std::size_t dropped_total() const;
  [[nodiscard]] std::size_t masked_total() const;
  void merge(const TraceReport& other);
};

struct Trace {
  std::string format;  // the --format name it was read with
  std::string path;
  std::vector<TraceInstance> instances;
  TraceReport report;
};

}  // namespace augur::trace
