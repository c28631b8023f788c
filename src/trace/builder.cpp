#include "builder.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace augur::trace::detail {

InstanceBuilder::InstanceBuilder(TraceInstance base, const std::vector<Metric>& metrics,
                                 const std::vector<Resource>& resources)
    : inst_(std::move(base)) {
  inst_.timestamps_s.clear();
  for (auto& col : inst_.demand) col.clear();
  for (auto& col : inst_.capacity) col.clear();
  inst_.extra.assign(inst_.extra_names.size(), {});
  for (Metric m : metrics) metric_mask_.set(static_cast<std::size_t>(m));
  for (Resource r : resources) resource_mask_.set(static_cast<std::size_t>(r));
}

void InstanceBuilder::add_row(std::int64_t timestamp_s, std::size_t line) {
  inst_.timestamps_s.push_back(timestamp_s);
  lines_.push_back(line);
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    if (metric_mask_.test(m)) inst_.demand[m].push_back(NAN);
  }
  for (std::size_t r = 0; r < kResourceCount; ++r) {
    if (resource_mask_.test(r)) inst_.capacity[r].push_back(NAN);
  }
  for (auto& col : inst_.extra) col.push_back(NAN);
}

namespace {
template <class T>
void permute(std::vector<T>& v, const std::vector<std::size_t>& order) {
  if (v.empty()) return;
  std::vector<T> out;
  out.reserve(order.size());
  for (std::size_t i : order) out.push_back(v[i]);
  v = std::move(out);
}
}  // namespace

TraceInstance InstanceBuilder::finish(TraceReport& report, bool count_used) {
  auto& ts = inst_.timestamps_s;
  std::vector<std::size_t> order(ts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (!std::is_sorted(ts.begin(), ts.end())) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
  }
  // Keep the first row of each timestamp.
  std::vector<std::size_t> keep;
  keep.reserve(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (!keep.empty() && ts[order[k]] == ts[keep.back()]) {
      ++report.duplicate_rows;
      report.drop(inst_.source, lines_[order[k]], "duplicate timestamp");
      continue;
    }
    keep.push_back(order[k]);
  }
  if (keep.size() != ts.size() || !std::is_sorted(order.begin(), order.end())) {
    permute(ts, keep);
    for (auto& col : inst_.demand) permute(col, keep);
    for (auto& col : inst_.capacity) permute(col, keep);
    for (auto& col : inst_.extra) permute(col, keep);
  }
  if (count_used) report.rows_used += ts.size();
  inst_.step = std::chrono::seconds(median_step_s(ts));
  lines_.clear();
  return std::move(inst_);
}

bool LineReader::next(std::string_view& line) {
  if (pos_ >= text_.size()) return false;
  std::size_t end = text_.find('\n', pos_);
  if (end == std::string_view::npos) end = text_.size();
  line = text_.substr(pos_, end - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos_ = end + 1;
  ++line_no_;
  return true;
}

std::int64_t median_step_s(const std::vector<std::int64_t>& ts) {
  if (ts.size() < 2) return 0;
  std::vector<std::int64_t> d;
  d.reserve(ts.size() - 1);
  for (std::size_t i = 1; i < ts.size(); ++i) d.push_back(ts[i] - ts[i - 1]);
  auto mid = d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2);
  std::nth_element(d.begin(), mid, d.end());
  return *mid;
}

}  // namespace augur::trace::detail
