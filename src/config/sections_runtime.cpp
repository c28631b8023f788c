// daemon, log, store, control and metrics: where the daemon runs and how it is reached.
#include <array>

#include "sections.h"

namespace augur::config::detail {
namespace {

using std::string_view_literals::operator""sv;

constexpr std::array kDaemonKeys = {"host_id"sv, "runtime_dir"sv,    "state_dir"sv,
                                    "mode"sv,    "queue_capacity"sv, "restore_on_shutdown"sv};
constexpr std::array kModes = {Choice<Mode>{"observe", Mode::kObserve},
                               Choice<Mode>{"advise", Mode::kAdvise},
                               Choice<Mode>{"enforce", Mode::kEnforce}};

constexpr std::array kLogKeys = {"level"sv, "target"sv};
// spdlog's level names, as the daemon's logger takes them.
constexpr std::array kLogLevels = {
    Choice<std::string_view>{"trace", "trace"}, Choice<std::string_view>{"debug", "debug"},
    Choice<std::string_view>{"info", "info"},   Choice<std::string_view>{"warn", "warn"},
    Choice<std::string_view>{"error", "error"}, Choice<std::string_view>{"critical", "critical"}};
constexpr std::array kLogTargets = {Choice<LogTarget>{"auto", LogTarget::kAuto},
                                    Choice<LogTarget>{"journal", LogTarget::kJournal},
                                    Choice<LogTarget>{"stderr", LogTarget::kStderr}};

constexpr std::array kStoreKeys = {"backend"sv, "path"sv, "postgres_conninfo"sv, "cache_refresh"sv,
                                   "retention"sv};
constexpr std::array kRetentionKeys = {"instance_baselines"sv, "stale_versions"sv};
constexpr std::array kStoreBackends = {Choice<std::string_view>{"sqlite", "sqlite"},
                                       Choice<std::string_view>{"postgresql", "postgresql"}};

constexpr std::array kControlKeys = {"enabled"sv, "socket_path"sv, "group"sv, "max_request_bytes"sv,
                                     "max_requests_per_second"sv};
constexpr std::array kMetricsKeys = {"enabled"sv, "address"sv};

constexpr std::int64_t kMiB = 1024 * 1024;

}  // namespace

void read_daemon(MapReader& top, DaemonSection& out) {
  MapReader m = top.section("daemon", kDaemonKeys);
  m.read("host_id", out.host_id);
  m.read("runtime_dir", out.runtime_dir, StringRule::kAbsolutePath);
  m.read("state_dir", out.state_dir, StringRule::kAbsolutePath);
  m.read<Mode>("mode", out.mode, kModes);
  m.read("queue_capacity", out.queue_capacity, IntRange{1, 65536});
  m.read("restore_on_shutdown", out.restore_on_shutdown);
}

void read_log(MapReader& top, LogSection& out) {
  MapReader m = top.section("log", kLogKeys);
  std::string_view level = out.level;
  m.read<std::string_view>("level", level, kLogLevels);
  out.level = std::string(level);
  m.read<LogTarget>("target", out.target, kLogTargets);
}

void read_store(MapReader& top, StoreSection& out) {
  MapReader m = top.section("store", kStoreKeys);
  std::string_view backend = out.backend;
  m.read<std::string_view>("backend", backend, kStoreBackends);
  out.backend = std::string(backend);
  m.read("path", out.path, StringRule::kAbsolutePathOrEmpty);
  m.read("postgres_conninfo", out.postgres_conninfo);
  m.read("cache_refresh", out.cache_refresh,
         DurationRange{std::chrono::seconds(1), std::chrono::hours(1)});
  // 0 keeps for ever; at most 10 years of 365 days, like predict.history_max_age.
  MapReader r = m.section("retention", kRetentionKeys);
  const DurationRange retention{std::chrono::hours(0), std::chrono::hours(24 * 3650)};
  r.read("instance_baselines", out.retention.instance_baselines, retention);
  r.read("stale_versions", out.retention.stale_versions, retention);
}

void read_control(MapReader& top, ControlSection& out) {
  MapReader m = top.section("control", kControlKeys);
  m.read("enabled", out.enabled);
  m.read("socket_path", out.socket_path, StringRule::kAbsolutePathOrEmpty);
  m.read("group", out.group, StringRule::kNonEmpty);
  m.read_byte_count("max_request_bytes", out.max_request_bytes, IntRange{256, 16 * kMiB});
  m.read("max_requests_per_second", out.max_requests_per_second, IntRange{1, 10000});
}

void read_metrics(MapReader& top, Context& ctx, MetricsSection& out) {
  MapReader m = top.section("metrics", kMetricsKeys);
  m.read("enabled", out.enabled);
  const std::string path = m.path_of("address");
  std::string address = out.address;
  m.read("address", address, StringRule::kNonEmpty);
  const YAML::Mark* at = ctx.where(path);
  if (at == nullptr) return;  // default or already rejected
  // "host:port", host may be a bracketed IPv6 address ("[::1]:9464").
  const auto colon = address.rfind(':');
  const bool has_host = colon != std::string::npos && colon > 0;
  std::int64_t port = 0;
  if (has_host) {
    const std::string digits = address.substr(colon + 1);
    port = digits.empty() || digits.size() > 5 ||
                   digits.find_first_not_of("0123456789") != std::string::npos
               ? 0
               : std::stoll(digits);
  }
  if (!has_host || port < 1 || port > 65535) {
    ctx.error(*at, quote(path) +
                       " must be host:port with a port 1..65535 (e.g. 127.0.0.1:9464), "
                       "got " +
                       quote(address));
    ctx.failed(path);
    return;
  }
  out.address = std::move(address);
}

}  // namespace augur::config::detail
