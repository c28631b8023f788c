#pragma once
// Internal: collects one instance's rows in input order, then sorts, drops duplicate
// timestamps (counted) and sets the step. Shared by every adapter.
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "augur/trace/trace.h"

namespace augur::trace::detail {

class InstanceBuilder {
 public:
  // `metrics`/`resources` list the columns this instance carries (others stay absent).
  InstanceBuilder(TraceInstance base, const std::vector<Metric>& metrics,
                  const std::vector<Resource>& resources);

  // Starts a row; then set the cells (NaN = masked). Cells not set stay NaN.
  void add_row(std::int64_t timestamp_s, std::size_t line);
  void set(Metric m, double v) { inst_.demand[static_cast<std::size_t>(m)].back() = v; }
  void set_capacity(Resource r, double v) {
    inst_.capacity[static_cast<std::size_t>(r)].back() = v;
  }
  void set_extra(std::size_t k, double v) { inst_.extra[k].back() = v; }
  [[nodiscard]] std::size_t rows() const { return inst_.timestamps_s.size(); }

  // Sorted by timestamp (stable), first of equal timestamps kept; duplicates counted in
  // `report` (drop reason "duplicate timestamp"). Step = median interval. Adds the rows
  // kept to report.rows_used when `count_used`.
  TraceInstance finish(TraceReport& report, bool count_used = true);

 private:
  TraceInstance inst_;
  std::vector<std::size_t> lines_;
  std::bitset<kMetricCount> metric_mask_;
  std::bitset<kResourceCount> resource_mask_;
};

// Iterates lines of `text` ("\n" or "\r\n"), numbering from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line);
  [[nodiscard]] std::size_t line_number() const { return line_no_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_no_ = 0;
};

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Median of consecutive differences; 0 with fewer than two rows.
std::int64_t median_step_s(const std::vector<std::int64_t>& ts);

}  // namespace augur::trace::detail
