#include <map>
#include <optional>
#include <string>

#include "augur/trace/parse.h"
#include "builder.h"

namespace augur::trace {

namespace {

std::optional<Resource> capacity_column(std::string_view name) {
  if (name == "capacity_cpu") return Resource::kCpu;
  if (name == "capacity_memory") return Resource::kMemory;
  if (name == "capacity_disk") return Resource::kDisk;
  if (name == "capacity_network") return Resource::kNetwork;
  return std::nullopt;
}

struct Column {
  bool is_capacity = false;
  Metric metric = Metric::kCycles;
  Resource resource = Resource::kCpu;
};

}  // namespace

Result<Trace> parse_augur_csv(std::string_view text, std::string_view source) {
  const std::string src(source);
  detail::LineReader lines(text);
  std::string_view line;
  bool have_header = false;
  while (lines.next(line)) {
    auto t = detail::trim(line);
    if (!t.empty() && t.front() != '#') {
      have_header = true;
      break;
    }
  }
  if (!have_header) return Error{"empty augur-csv trace (no header)", src};
  const std::string where_header = src + ":" + std::to_string(lines.line_number());
  std::vector<std::string_view> f;
  split_fields(line, ",", f);
  if (f.size() < 3 || detail::trim(f[0]) != "timestamp" || detail::trim(f[1]) != "instance" ||
      detail::trim(f[2]) != "app_type") {
    return Error{"augur-csv header must start with timestamp,instance,app_type", where_header};
  }
  std::vector<Column> columns;
  std::vector<Metric> metrics;
  std::vector<Resource> resources;
  for (std::size_t i = 3; i < f.size(); ++i) {
    auto name = detail::trim(f[i]);
    Column c;
    if (auto m = metric_from_name(name)) {
      c.metric = *m;
      metrics.push_back(*m);
    } else if (auto r = capacity_column(name)) {
      c.is_capacity = true;
      c.resource = *r;
      resources.push_back(*r);
    } else {
      return Error{"augur-csv header: unknown column '" + std::string(name) + "'", where_header};
    }
    columns.push_back(c);
  }
  {
    std::bitset<kMetricCount> seen_m;
    std::bitset<kResourceCount> seen_r;
    for (const auto& c : columns) {
      const bool bits_ok = c.is_capacity ? seen_r.test(static_cast<std::size_t>(c.resource))
                                         : seen_m.test(static_cast<std::size_t>(c.metric));
      if (bits_ok) return Error{"augur-csv header: repeated column", where_header};
      if (c.is_capacity) {
        seen_r.set(static_cast<std::size_t>(c.resource));
      } else {
        seen_m.set(static_cast<std::size_t>(c.metric));
      }
    }
  }

  Trace trace;
  trace.format = "augur-csv";
  trace.path = src;
  TraceReport& rep = trace.report;
  std::map<std::string, detail::InstanceBuilder, std::less<>> builders;
  std::vector<std::string> order;  // instances in order of first appearance
  const std::size_t want = columns.size() + 3;
  while (lines.next(line)) {
    auto t = detail::trim(line);
    if (t.empty() || t.front() == '#') continue;
    ++rep.rows_read;
    const std::size_t ln = lines.line_number();
    split_fields(line, ",", f);
    if (f.size() != want) {
      rep.drop(src, ln, "wrong number of fields");
      continue;
    }
    std::int64_t ts = 0;
    if (!parse_timestamp(f[0], ts)) {
      rep.drop(src, ln, "bad timestamp");
      continue;
    }
    auto id = detail::trim(f[1]);
    if (id.empty()) {
      rep.drop(src, ln, "empty instance id");
      continue;
    }
    std::array<double, kMetricCount + kResourceCount> cells{};
    bool ok = true;
    for (std::size_t i = 0; i < columns.size() && ok; ++i) {
      auto cell = detail::trim(f[i + 3]);
      if (cell.empty()) {
        cells[i] = kUnknown;
      } else {
        ok = parse_double(cell, cells[i]);
      }
    }
    if (!ok) {
      rep.drop(src, ln, "bad number");
      continue;
    }
    auto it = builders.find(id);
    if (it == builders.end()) {
      TraceInstance base;
      base.id = std::string(id);
      base.source = src;
      base.app_type = std::string(detail::trim(f[2]));
      std::string key = base.id;
      it =
          builders
              .emplace(std::move(key), detail::InstanceBuilder(std::move(base), metrics, resources))
              .first;
      order.emplace_back(id);
    }
    auto& b = it->second;
    b.add_row(ts, ln);
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].is_capacity) {
        b.set_capacity(columns[i].resource, cells[i]);
      } else {
        b.set(columns[i].metric, cells[i]);
      }
    }
  }
  if (order.empty()) return Error{"no usable rows in augur-csv trace", src};
  for (const auto& id : order) trace.instances.push_back(builders.at(id).finish(rep));
  return trace;
}

}  // namespace augur::trace
