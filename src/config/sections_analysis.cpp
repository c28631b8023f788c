// sampling, fingerprint, drift, predict and plan: how the pipeline measures and decides.
#include <array>

#include "sections.h"

namespace augur::config::detail {
namespace {

using std::string_view_literals::operator""sv;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::array kSamplingKeys = {"interval"sv,
                                      "events"sv,
                                      "cgroup_root"sv,
                                      "proc_root"sv,
                                      "disk_bandwidth_bytes_per_s"sv,
                                      "network_bandwidth_bytes_per_s"sv};
constexpr std::array kFingerprintKeys = {"window_ticks"sv, "ring_capacity"sv};
constexpr std::array kDriftKeys = {"threshold_quantile"sv,
                                   "distance"sv,
                                   "covariance_shrinkage"sv,
                                   "rule"sv,
                                   "cusum_slack"sv,
                                   "cusum_limit"sv,
                                   "k"sv,
                                   "n"sv,
                                   "min_baseline_windows"sv,
                                   "scale_floor"sv,
                                   "end_hold_ticks"sv};
constexpr std::array kDistances = {Choice<DistanceKind>{"euclidean", DistanceKind::kEuclidean},
                                   Choice<DistanceKind>{"mahalanobis", DistanceKind::kMahalanobis}};
constexpr std::array kRules = {Choice<SequentialRule>{"cusum", SequentialRule::kCusum},
                               Choice<SequentialRule>{"k_of_n", SequentialRule::kKOfN}};
constexpr std::array kPredictKeys = {"k"sv,
                                     "min_neighbours"sv,
                                     "horizon"sv,
                                     "other_type_penalty"sv,
                                     "magnitude_weight"sv,
                                     "refine_ticks"sv,
                                     "confidence_distance"sv,
                                     "history_max_patterns"sv,
                                     "history_max_age"sv};
constexpr std::array kPlanKeys = {"cpu"sv,
                                  "memory"sv,
                                  "disk"sv,
                                  "network"sv,
                                  "headroom_margin"sv,
                                  "hysteresis"sv,
                                  "scale_down_window"sv,
                                  "overcommit_ratio"sv,
                                  "breaker_flips_per_hour"sv,
                                  "verify_settle"sv};
constexpr std::array kBoundsKeys = {"min"sv, "max"sv, "max_step_fraction"sv, "cooldown"sv};

// Upper bounds on what one instance can be given; far above any real host, they only
// catch unit mistakes (a memory size written in KiB where bytes were meant, ...).
constexpr double kMaxCores = 4096;
constexpr double kMaxMemoryBytes = 1024.0 * 1024 * 1024 * 1024 * 1024;  // 1 PiB
constexpr double kMaxBandwidthBytesPerS = 1024.0 * 1024 * 1024 * 1024;  // 1 TiB/s

enum class BoundUnit { kCores, kBytes, kBytesPerS };

void read_bounds(MapReader& plan, std::string_view key, BoundUnit unit, ResourceBounds& out) {
  MapReader m = plan.section(key, kBoundsKeys);
  switch (unit) {
    case BoundUnit::kCores:
      m.read("min", out.min, NumberRange{0, kMaxCores});
      m.read("max", out.max, NumberRange{0, kMaxCores});
      break;
    case BoundUnit::kBytes:
      m.read_bytes("min", out.min, NumberRange{0, kMaxMemoryBytes});
      m.read_bytes("max", out.max, NumberRange{0, kMaxMemoryBytes});
      break;
    case BoundUnit::kBytesPerS:
      m.read_rate("min", out.min, NumberRange{0, kMaxBandwidthBytesPerS});
      m.read_rate("max", out.max, NumberRange{0, kMaxBandwidthBytesPerS});
      break;
  }
  m.read("max_step_fraction", out.max_step_fraction, NumberRange{0, 1});
  m.read("cooldown", out.cooldown, DurationRange{seconds(0), hours(24)});
}

}  // namespace

void read_sampling(MapReader& top, SamplingSection& out) {
  MapReader m = top.section("sampling", kSamplingKeys);
  m.read("interval", out.interval, DurationRange{milliseconds(100), seconds(60)});
  m.read("events", out.events);
  m.read("cgroup_root", out.cgroup_root, StringRule::kAbsolutePath);
  m.read("proc_root", out.proc_root, StringRule::kAbsolutePath);
  m.read_rate("disk_bandwidth_bytes_per_s", out.disk_bandwidth_bytes_per_s,
              NumberRange{0, kMaxBandwidthBytesPerS});
  m.read_rate("network_bandwidth_bytes_per_s", out.network_bandwidth_bytes_per_s,
              NumberRange{0, kMaxBandwidthBytesPerS});
}

void read_fingerprint(MapReader& top, FingerprintSection& out) {
  MapReader m = top.section("fingerprint", kFingerprintKeys);
  m.read("window_ticks", out.window_ticks, IntRange{8, 3600});
  m.read("ring_capacity", out.ring_capacity, IntRange{8, 86400});
}

void read_drift(MapReader& top, DriftSection& out) {
  MapReader m = top.section("drift", kDriftKeys);
  m.read("threshold_quantile", out.threshold_quantile, NumberRange{0.5, 0.99999});
  m.read<DistanceKind>("distance", out.distance, kDistances);
  m.read("covariance_shrinkage", out.covariance_shrinkage, NumberRange{0, 1});
  m.read<SequentialRule>("rule", out.rule, kRules);
  m.read("cusum_slack", out.cusum_slack, NumberRange{0, 10});
  m.read("cusum_limit", out.cusum_limit, NumberRange{0, 1000, /*lo_excluded=*/true});
  m.read("k", out.k, IntRange{1, 1000});
  m.read("n", out.n, IntRange{1, 1000});
  m.read("min_baseline_windows", out.min_baseline_windows, IntRange{1, 1'000'000});
  m.read("scale_floor", out.scale_floor, NumberRange{0, 1, /*lo_excluded=*/true});
  m.read("end_hold_ticks", out.end_hold_ticks, IntRange{1, 3600});
}

void read_predict(MapReader& top, PredictSection& out) {
  MapReader m = top.section("predict", kPredictKeys);
  m.read("k", out.k, IntRange{1, 100});
  m.read("min_neighbours", out.min_neighbours, IntRange{1, 100});
  m.read("horizon", out.horizon, DurationRange{seconds(10), hours(24)});
  m.read("other_type_penalty", out.other_type_penalty, NumberRange{1, 1000});
  m.read("magnitude_weight", out.magnitude_weight, NumberRange{0, 100});
  m.read("refine_ticks", out.refine_ticks, IntRange{0, 600});
  m.read("confidence_distance", out.confidence_distance, NumberRange{0.05, 10});
  m.read("history_max_patterns", out.history_max_patterns, IntRange{100, 10'000'000});
  // 10 years of 365 days.
  m.read("history_max_age", out.history_max_age, DurationRange{hours(1), hours(24 * 3650)});
}

void read_plan(MapReader& top, PlanSection& out) {
  MapReader m = top.section("plan", kPlanKeys);
  read_bounds(m, "cpu", BoundUnit::kCores, out.cpu);
  read_bounds(m, "memory", BoundUnit::kBytes, out.memory);
  read_bounds(m, "disk", BoundUnit::kBytesPerS, out.disk);
  read_bounds(m, "network", BoundUnit::kBytesPerS, out.network);
  m.read("headroom_margin", out.headroom_margin, NumberRange{0, 2});
  m.read("hysteresis", out.hysteresis, NumberRange{0, 1});
  m.read("scale_down_window", out.scale_down_window, DurationRange{seconds(1), hours(24)});
  m.read("overcommit_ratio", out.overcommit_ratio, NumberRange{1, 20});
  m.read("breaker_flips_per_hour", out.breaker_flips_per_hour, IntRange{1, 1000});
  m.read("verify_settle", out.verify_settle, DurationRange{seconds(1), hours(1)});
}

}  // namespace augur::config::detail
