#pragma once
// The daemon's logging facade. spdlog does the work; this header keeps spdlog out of the
// files that log. To journald every record carries structured fields, so operators can ask
// `journalctl -u augur INSTANCE=web-1`; to stderr the fields follow the message as key=value.
//
// Field names used across the daemon (documented in docs/operations.md):
//   INSTANCE, INSTANCE_ID, APP_TYPE, RESOURCE, DRIFT_SCORE, THRESHOLD, EPISODE, MODE,
//   OLD_VALUE, NEW_VALUE, REASON, CLAMP, CONFIDENCE, HEADROOM, NEIGHBOURS, ERRNO, PATH,
//   CONFIG_FILE, TICK_MS, QUEUE, DROPPED.
#include <fmt/core.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "augur/util/result.h"

namespace augur::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// "trace", "debug", "info", "warn", "error", "critical", "off".
Result<Level> parse_level(std::string_view name);
std::string_view level_name(Level level);

// A structured field. Keys are journald field names: A-Z, 0-9 and '_', not starting with '_'.
struct Field {
  std::string_view key;
  std::string value;
};

enum class Target { kStderr, kJournal };

struct Options {
  Level level = Level::kInfo;
  Target target = Target::kStderr;
  std::string identifier = "augurd";  // SYSLOG_IDENTIFIER
};

// Installs the process-wide logger. Safe to call again (reload): replaces the sink.
void init(const Options& options);
void set_level(Level level);
[[nodiscard]] Level level();
[[nodiscard]] bool enabled(Level level);

// True when systemd connected our stderr to the journal (JOURNAL_STREAM names stderr's
// device and inode), as sd_journal_stream_fd users do.
[[nodiscard]] bool stderr_is_journal();

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kTrace)) write(Level::kTrace, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace augur::log
