#include "augur/trace/trace.h"

#include <cmath>

namespace augur::trace {

double TraceInstance::value(std::size_t row, Metric m) const {
  const auto& col = demand[static_cast<std::size_t>(m)];
  return row < col.size() ? col[row] : kUnknown;
}

ResourceVector TraceInstance::resource_demand(std::size_t row) const {
  auto sum = [&](std::initializer_list<Metric> parts) {
    double total = 0;
    bool any = false;
    for (Metric m : parts) {
      if (!has(m)) continue;
      double v = value(row, m);
      if (std::isnan(v)) return kUnknown;
      total += v;
      any = true;
    }
    return any ? total : kUnknown;
  };
  ResourceVector out;
  out[Resource::kCpu] = sum({Metric::kCpuUsageCores});
  out[Resource::kMemory] = sum({Metric::kMemoryBytes});
  out[Resource::kDisk] = sum({Metric::kDiskReadBytes, Metric::kDiskWriteBytes});
  out[Resource::kNetwork] = sum({Metric::kNetRxBytes, Metric::kNetTxBytes});
  return out;
}

ResourceVector TraceInstance::capacity_at(std::size_t row) const {
  ResourceVector out;
  for (std::size_t r = 0; r < kResourceCount; ++r) {
    if (row < capacity[r].size()) out.values[r] = capacity[r][row];
  }
  return out;
}

void TraceReport::drop(const std::string& source, std::size_t line, const std::string& reason) {
  ++dropped_rows[reason];
  if (examples.size() < kMaxExamples) {
    examples.push_back(source + ":" + std::to_string(line) + ": dropped: " + reason);
  }
}

void TraceReport::mask(const std::string& source, std::size_t line, const std::string& reason) {
  ++masked_values[reason];
  if (examples.size() < kMaxExamples) {
    examples.push_back(source + ":" + std::to_string(line) + ": masked: " + reason);
  }
}

std::size_t TraceReport::dropped_total() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : dropped_rows) n += count;
  return n;
}

std::size_t TraceReport::masked_total() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : masked_values) n += count;
  return n;
}

void TraceReport::merge(const TraceReport& other) {
  rows_read += other.rows_read;
  rows_used += other.rows_used;
  duplicate_rows += other.duplicate_rows;
  series_splits += other.series_splits;
  for (const auto& [reason, count] : other.dropped_rows) dropped_rows[reason] += count;
  for (const auto& [reason, count] : other.masked_values) masked_values[reason] += count;
  for (const auto& e : other.examples) {
    if (examples.size() < kMaxExamples) examples.push_back(e);
  }
  skipped_files.insert(skipped_files.end(), other.skipped_files.begin(), other.skipped_files.end());
}

}  // namespace augur::trace
