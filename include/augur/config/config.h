#pragma once
// The whole configuration as a validated plain struct. YAML is compiled into this once
// (config/compiler); no stage reads YAML nodes. Every default here is the documented
// default in config/augur.yaml. Comparable with == so reload can tell what changed.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "augur/core/decisions.h"

namespace augur::config {

using std::chrono::milliseconds;
using std::chrono::seconds;

enum class LogTarget { kAuto, kJournal, kStderr };  // auto: journal when JOURNAL_STREAM is set

struct DaemonSection {
  std::string host_id;  // empty: read /etc/machine-id
  std::string runtime_dir = "/run/augur";
  std::string state_dir = "/var/lib/augur";
  Mode mode = Mode::kObserve;
  std::size_t queue_capacity = 64;   // per hand-off queue, 1..65536
  bool restore_on_shutdown = false;  // enforce: put back the allocations found on a clean stop

  bool operator==(const DaemonSection&) const = default;
};

struct LogSection {
  std::string level = "info";  // trace|debug|info|warn|error|critical
  LogTarget target = LogTarget::kAuto;

  bool operator==(const LogSection&) const = default;
};

struct LibvirtSource {
  bool enabled = true;
  std::string uri = "qemu:///system";
  seconds keepalive_interval{5};  // 1..300
  int keepalive_count = 3;        // 1..100
  std::string metadata_namespace = "https://augur.dev/xmlns/workload/1";
  std::string qemu_runtime_dir = "/run/libvirt/qemu";  // the QEMU driver's pid files

  bool operator==(const LibvirtSource&) const = default;
};

struct CgroupTypeRule {
  std::string pattern;  // glob over the cgroup path
  std::string app_type;

  bool operator==(const CgroupTypeRule&) const = default;
};

struct CgroupSource {
  bool enabled = false;
  std::vector<std::string> patterns;  // globs relative to the hierarchy root
  std::vector<CgroupTypeRule> type_rules;
  int per_cgroup_counting_threshold = 64;  // threads; above it count per cgroup, 1..100000

  bool operator==(const CgroupSource&) const = default;
};

struct StaticEntry {
  std::string name;
  std::string process_name;  // regex over /proc/<pid>/comm; or
  int pid = 0;               // a fixed pid (0: unused)
  std::string app_type;

  bool operator==(const StaticEntry&) const = default;
};

struct DiscoverySection {
  milliseconds interval{30000};  // 1 s .. 1 h
  LibvirtSource libvirt;
  CgroupSource cgroups;
  std::vector<StaticEntry> static_entries;  // YAML key: static

  bool operator==(const DiscoverySection&) const = default;
};

struct SamplingSection {
  milliseconds interval{1000};  // 100 ms .. 60 s
  std::vector<std::string> events = {
      "cycles",        "instructions", "cache-references", "cache-misses",   "branch-instructions",
      "branch-misses", "task-clock",   "context-switches", "cpu-migrations", "page-faults"};
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string proc_root = "/proc";
  double disk_bandwidth_bytes_per_s = 0;  // host disk capacity; 0: unknown
  double network_bandwidth_bytes_per_s =
      0;  // host NIC capacity when sysfs does not know; 0: unknown

  bool operator==(const SamplingSection&) const = default;
};

struct FingerprintSection {
  int window_ticks = 60;    // 8 .. 3600
  int ring_capacity = 600;  // >= window_ticks, <= 86400

  bool operator==(const FingerprintSection&) const = default;
};

enum class DistanceKind { kEuclidean, kMahalanobis };
enum class SequentialRule { kCusum, kKOfN };

struct DriftSection {
  double threshold_quantile = 0.99;  // 0.5 .. 0.99999
  DistanceKind distance = DistanceKind::kEuclidean;
  double covariance_shrinkage = 0.2;  // 0..1, Mahalanobis only
  SequentialRule rule = SequentialRule::kCusum;
  double cusum_slack = 0.5;        // in threshold units, 0..10
  double cusum_limit = 5.0;        // > 0
  int k = 3;                       // k-of-n: 1..n
  int n = 5;                       // 1..1000
  int min_baseline_windows = 120;  // windows before a baseline is trusted, 1..1e6
  double scale_floor = 1e-3;       // relative floor on a feature's scale, > 0
  int end_hold_ticks = 30;         // ticks below threshold before an episode ends, 1..3600

  bool operator==(const DriftSection&) const = default;
};

struct PredictSection {
  int k = 5;                        // neighbours, 1..100
  int min_neighbours = 3;           // 1..k
  seconds horizon{1800};            // 10 s .. 1 day
  double other_type_penalty = 2.0;  // distance multiplier for other types, >= 1
  double magnitude_weight = 1.0;    // weight of drift strength against direction
  int refine_ticks = 0;  // ticks an episode's pattern and prediction are refined over, 0..600
  double confidence_distance = 0.5;   // neighbour distance where closeness is 1/e, 0.05..10
  int history_max_patterns = 100000;  // 100 .. 1e7
  std::chrono::hours history_max_age{24 * 90};  // 1 h .. 10 years

  bool operator==(const PredictSection&) const = default;
};

struct ResourceBounds {
  double min = 0;                   // in the resource's unit
  double max = 0;                   // 0: the instance's own maximum / host capacity
  double max_step_fraction = 0.25;  // of the current allocation, 0..1
  seconds cooldown{60};             // between changes of this resource, 0 .. 1 day

  bool operator==(const ResourceBounds&) const = default;
};

struct PlanSection {
  ResourceBounds cpu{0.1, 0, 0.25, seconds(60)};                      // cores
  ResourceBounds memory{256.0 * 1024 * 1024, 0, 0.25, seconds(120)};  // bytes
  ResourceBounds disk{1e6, 0, 0.5, seconds(60)};                      // bytes/s
  ResourceBounds network{1e6, 0, 0.5, seconds(60)};                   // bytes/s
  double headroom_margin = 0.15;   // over predicted or peak need, 0..2
  double hysteresis = 0.05;        // ignore changes smaller than this fraction, 0..1
  seconds scale_down_window{900};  // need below allocation this long before shrinking
  double overcommit_ratio = 1.0;   // sum of allocations / capacity, 1..20
  int breaker_flips_per_hour = 6;  // direction flips before freezing, 1..1000
  seconds verify_settle{60};       // wait before judging a change

  bool operator==(const PlanSection&) const = default;
};

// How long the store keeps what nothing reads any more; 0 keeps it for ever. Whole hours,
// 0 .. 10 years.
struct RetentionSection {
  // A vanished instance's baseline (kept so that it resumes if the instance comes back):
  // deleted once not updated for this long. A live instance's is re-saved, never deleted.
  std::chrono::hours instance_baselines{24 * 14};
  // Baselines of another feature-table version (ignored, kept for a downgrade).
  std::chrono::hours stale_versions{24 * 30};

  bool operator==(const RetentionSection&) const = default;
};

struct StoreSection {
  std::string backend = "sqlite";  // sqlite | postgresql
  std::string path;                // empty: <state_dir>/augur.db
  std::string postgres_conninfo;   // libpq connection string or "service=NAME"
  seconds cache_refresh{60};
  RetentionSection retention{};

  bool operator==(const StoreSection&) const = default;
};

struct ControlSection {
  bool enabled = true;
  std::string socket_path;  // empty: <runtime_dir>/augur.sock
  std::string group = "augur";
  std::size_t max_request_bytes = 65536;  // 256 .. 16 MiB
  int max_requests_per_second = 50;       // 1 .. 10000

  bool operator==(const ControlSection&) const = default;
};

struct MetricsSection {
  bool enabled = true;
  std::string address = "127.0.0.1:9464";

  bool operator==(const MetricsSection&) const = default;
};

struct Config {
  std::string source_file;  // where it was read from, for messages
  DaemonSection daemon;
  LogSection log;
  DiscoverySection discovery;
  SamplingSection sampling;
  FingerprintSection fingerprint;
  DriftSection drift;
  PredictSection predict;
  PlanSection plan;
  StoreSection store;
  ControlSection control;
  MetricsSection metrics;

  bool operator==(const Config&) const = default;
};

}  // namespace augur::config
