#include "augur/log/log.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "journal_sink.h"

namespace augur::log {

namespace {

std::mutex logger_mutex;
std::shared_ptr<spdlog::logger> logger;  // guarded by logger_mutex for replacement
std::atomic<Level> current_level{Level::kInfo};

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kCritical: return spdlog::level::critical;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> get_logger() {
  std::lock_guard lock(logger_mutex);
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("augur", std::make_shared<detail::StderrSink>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    logger->set_level(spdlog::level::trace);  // filtering happens in enabled()
  }
  return logger;
}

}  // namespace

Result<Level> parse_level(std::string_view name) {
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"critical", Level::kCritical},
      {"off", Level::kOff}};
  for (const auto& [n, l] : kNames) {
    if (n == name) return l;
  }
  return Error{"unknown log level '" + std::string(name) +
                   "' (expected trace, debug, info, warn, error, critical or off)",
               "", 0};
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kCritical: return "critical";
    case Level::kOff: return "off";
  }
  return "info";
}

void init(const Options& options) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%e %l %v";
  if (options.target == Target::kJournal) {
    sink = std::make_shared<detail::JournalSink>(options.identifier);
    pattern = "%v";  // journald stamps time, priority and identifier itself
  } else {
    sink = std::make_shared<detail::StderrSink>();
  }
  auto fresh = std::make_shared<spdlog::logger>("augur", std::move(sink));
  fresh->set_pattern(pattern);
  fresh->set_level(spdlog::level::trace);
  {
    std::lock_guard lock(logger_mutex);
    logger = std::move(fresh);
  }
  set_level(options.level);
}

void set_level(Level level) {
  current_level.store(level);
}
Level level() {
  return current_level.load();
}
bool enabled(Level l) {
  const Level threshold = current_level.load();
  return threshold != Level::kOff && l >= threshold;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  auto l = get_logger();
  detail::current_fields = &fields;
  l->log(to_spdlog(level), message);
  detail::current_fields = nullptr;
}

}  // namespace augur::log
