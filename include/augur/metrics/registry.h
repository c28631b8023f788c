#pragma once
// The daemon's metrics: counters, gauges and histograms with labels, set by the daemon's
// threads and read as one consistent snapshot by the /metrics server. A family is defined
// once (name, help, type, label names, buckets); every update names the family and gives
// exactly its labels, so a typo is an error instead of a silent new series.
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "augur/util/result.h"

namespace augur::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label name -> value. The order does not matter; the exposition follows the family's
// label_names.
using Labels = std::map<std::string, std::string, std::less<>>;

struct FamilySpec {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> label_names;  // [a-zA-Z_][a-zA-Z0-9_]*, not "__*"; no "le"
  std::vector<double> buckets;  // histograms only: finite upper bounds, strictly increasing
};

// One series as read: label pairs in the family's label order.
struct SeriesSnapshot {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;                          // counters and gauges
  std::vector<std::uint64_t> bucket_counts;  // histograms: per bucket, not cumulative
  std::uint64_t count = 0;                   // histograms: observations (the +Inf bucket)
  double sum = 0;                            // histograms: sum of observations
};

struct FamilySnapshot {
  FamilySpec spec;
  std::vector<SeriesSnapshot> series;  // sorted by label values
};

using MetricsSnapshot = std::vector<FamilySnapshot>;  // sorted by family name

class MetricsRegistry {
 public:
  // Defines a family. A family without labels that is a counter or histogram starts with
  // one series at zero (nothing counted yet is a fact); gauges appear when first set.
  Status define(FamilySpec spec);

  Status set_gauge(std::string_view name, const Labels& labels, double value);
  // delta >= 0: counters only go up.
  Status add_counter(std::string_view name, const Labels& labels, double delta = 1);
  // Mirrors a total counted elsewhere (e.g. the pipeline's own counters). total >= 0.
  Status set_counter(std::string_view name, const Labels& labels, double total);
  Status observe(std::string_view name, const Labels& labels, double value);

  // Drops one series, e.g. a gauge whose value became unknown. Returns whether it existed.
  bool remove_series(std::string_view name, const Labels& labels);
  // Drops every series (of every family) whose `label` is `value`, e.g. a vanished
  // instance. Returns how many series were dropped.
  std::size_t remove_series_with_label(std::string_view label, std::string_view value);
  // Drops every series whose `label` has a value outside `keep`; series without the label
  // stay. For a tick that knows the live instances.
  std::size_t retain_series_with_label(std::string_view label,
                                       const std::set<std::string, std::less<>>& keep);

  [[nodiscard]] MetricsSnapshot snapshot() const;
  // The snapshot in the Prometheus text format 0.0.4.
  [[nodiscard]] std::string exposition() const;

 private:
  struct Series {
    double value = 0;
    std::vector<std::uint64_t> bucket_counts;
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    FamilySpec spec;
    std::map<std::vector<std::string>, Series> series;  // key: values in label_names order
  };

  Result<Series*> series_for(std::string_view name, const Labels& labels, MetricType type);
  template <class Drop>
  std::size_t remove_if_label(std::string_view label, Drop&& drop);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

// Name rules of the text format.
[[nodiscard]] bool valid_metric_name(std::string_view name);
[[nodiscard]] bool valid_label_name(std::string_view name);

}  // namespace augur::metrics
