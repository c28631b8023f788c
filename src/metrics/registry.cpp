#include "augur/metrics/registry.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <iterator>

#include "augur/metrics/text_format.h"

namespace augur::metrics {

namespace {

bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

Error invalid(std::string what, std::string_view name) {
  return Error{std::move(what), std::string(name), EINVAL};
}

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "?";
}

Status check_spec(const FamilySpec& spec) {
  if (!valid_metric_name(spec.name)) return invalid("invalid metric name", spec.name);
  std::vector<std::string> sorted = spec.label_names;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return invalid("duplicate label name", spec.name);
  }
  for (const std::string& label : spec.label_names) {
    if (!valid_label_name(label)) return invalid("invalid label name " + label, spec.name);
    if (spec.type == MetricType::kHistogram && label == "le") {
      return invalid("a histogram cannot have a label named le", spec.name);
    }
  }
  if (spec.type != MetricType::kHistogram) {
    if (!spec.buckets.empty()) return invalid("only histograms have buckets", spec.name);
    return {};
  }
  if (spec.buckets.empty()) return invalid("a histogram needs buckets", spec.name);
  for (std::size_t i = 0; i < spec.buckets.size(); ++i) {
    if (!std::isfinite(spec.buckets[i])) return invalid("bucket bounds must be finite", spec.name);
    if (i > 0 && !(spec.buckets[i] > spec.buckets[i - 1])) {
      return invalid("bucket bounds must increase strictly", spec.name);
    }
  }
  return {};
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(name_start(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) || c == ':'; });
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || !name_start(name[0]) || name.substr(0, 2) == "__") return false;
  return std::all_of(name.begin(), name.end(), name_char);
}

Status MetricsRegistry::define(FamilySpec spec) {
  if (Status s = check_spec(spec); !s) return s;
  std::lock_guard lock(mutex_);
  if (families_.find(spec.name) != families_.end()) {
    return invalid("metric family defined twice", spec.name);
  }
  Family family{std::move(spec), {}};
  if (family.spec.label_names.empty() && family.spec.type != MetricType::kGauge) {
    family.series[{}].bucket_counts.assign(family.spec.buckets.size(), 0);
  }
  const std::string name = family.spec.name;
  families_.emplace(name, std::move(family));
  return {};
}

Result<MetricsRegistry::Series*> MetricsRegistry::series_for(std::string_view name,
                                                             const Labels& labels,
                                                             MetricType type) {
  auto it = families_.find(name);
  if (it == families_.end()) return invalid("undefined metric family", name);
  Family& family = it->second;
  if (family.spec.type != type) {
    return invalid(std::string("metric family is a ") + type_name(family.spec.type), name);
  }
  if (labels.size() != family.spec.label_names.size()) {
    return invalid("wrong number of labels", name);
  }
  std::vector<std::string> key;
  key.reserve(labels.size());
  for (const std::string& label : family.spec.label_names) {
    auto l = labels.find(label);
    if (l == labels.end()) return invalid("missing label " + label, name);
    key.push_back(l->second);
  }
  auto [pos, inserted] = family.series.try_emplace(std::move(key));
  if (inserted) pos->second.bucket_counts.assign(family.spec.buckets.size(), 0);
  return &pos->second;
}

Status MetricsRegistry::set_gauge(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto series = series_for(name, labels, MetricType::kGauge);
  if (!series) return std::move(series).error();
  (*series)->value = value;
  return {};
}

Status MetricsRegistry::add_counter(std::string_view name, const Labels& labels, double delta) {
  if (!(delta >= 0) || !std::isfinite(delta)) {
    return invalid("a counter only goes up by a finite amount", name);
  }
  std::lock_guard lock(mutex_);
  auto series = series_for(name, labels, MetricType::kCounter);
  if (!series) return std::move(series).error();
  (*series)->value += delta;
  return {};
}

Status MetricsRegistry::set_counter(std::string_view name, const Labels& labels, double total) {
  if (!(total >= 0) || !std::isfinite(total)) {
    return invalid("a counter total is finite and not negative", name);
  }
  std::lock_guard lock(mutex_);
  auto series = series_for(name, labels, MetricType::kCounter);
  if (!series) return std::move(series).error();
  (*series)->value = total;
  return {};
}

Status MetricsRegistry::observe(std::string_view name, const Labels& labels, double value) {
  if (std::isnan(value)) return invalid("cannot observe NaN", name);
  std::lock_guard lock(mutex_);
  auto series = series_for(name, labels, MetricType::kHistogram);
  if (!series) return std::move(series).error();
  const std::vector<double>& bounds = families_.find(name)->second.spec.buckets;
  // The first bucket whose upper bound (inclusive) holds the value; above all: only +Inf.
  const auto at = std::lower_bound(bounds.begin(), bounds.end(), value);
  if (at != bounds.end()) ++(*series)->bucket_counts[static_cast<std::size_t>(at - bounds.begin())];
  ++(*series)->count;
  (*series)->sum += value;
  return {};
}

bool MetricsRegistry::remove_series(std::string_view name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end() || labels.size() != it->second.spec.label_names.size()) return false;
  std::vector<std::string> key;
  key.reserve(labels.size());
  for (const std::string& label : it->second.spec.label_names) {
    auto l = labels.find(label);
    if (l == labels.end()) return false;
    key.push_back(l->second);
  }
  return it->second.series.erase(key) > 0;
}

template <class Drop>
std::size_t MetricsRegistry::remove_if_label(std::string_view label, Drop&& drop) {
  std::size_t removed = 0;
  std::lock_guard lock(mutex_);
  for (auto& [name, family] : families_) {
    const auto& names = family.spec.label_names;
    const auto at = std::find(names.begin(), names.end(), label);
    if (at == names.end()) continue;
    const auto index = static_cast<std::size_t>(at - names.begin());
    removed +=
        std::erase_if(family.series, [&](const auto& entry) { return drop(entry.first[index]); });
  }
  return removed;
}

std::size_t MetricsRegistry::remove_series_with_label(std::string_view label,
                                                      std::string_view value) {
  return remove_if_label(label, [&](const std::string& v) { return v == value; });
}

std::size_t MetricsRegistry::retain_series_with_label(
    std::string_view label, const std::set<std::string, std::less<>>& keep) {
  return remove_if_label(label, [&](const std::string& v) { return !keep.contains(v); });
}

MetricsSnapshot MetricsRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  MetricsSnapshot out;
  out.reserve(families_.size());
  for (const auto& [name, family] : families_) {
    FamilySnapshot f{family.spec, {}};
    f.series.reserve(family.series.size());
    for (const auto& [values, series] : family.series) {
      SeriesSnapshot s;
      for (std::size_t i = 0; i < values.size(); ++i) {
        s.labels.emplace_back(family.spec.label_names[i], values[i]);
      }
      s.value = series.value;
      s.bucket_counts = series.bucket_counts;
      s.count = series.count;
      s.sum = series.sum;
      f.series.push_back(std::move(s));
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string MetricsRegistry::exposition() const {
  return encode_text(snapshot());
}

}  // namespace augur::metrics
