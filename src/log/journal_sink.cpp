#include "journal_sink.h"

#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <vector>

namespace augur::log::detail {

thread_local const std::initializer_list<Field>* current_fields = nullptr;

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return LOG_DEBUG;
    case spdlog::level::info: return LOG_INFO;
    case spdlog::level::warn: return LOG_WARNING;
    case spdlog::level::err: return LOG_ERR;
    case spdlog::level::critical: return LOG_CRIT;
    default: return LOG_INFO;
  }
}

namespace {
bool valid_field_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || key.front() == '_') return false;
  for (char c : key) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}
}  // namespace

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  // Strings that the iovecs point into; reserved so they never move.
  std::vector<std::string> parts;
  const std::size_t n_fields = current_fields ? current_fields->size() : 0;
  parts.reserve(3 + n_fields);
  parts.push_back("MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()));
  parts.push_back("PRIORITY=" + std::to_string(syslog_priority(msg.level)));
  parts.push_back("SYSLOG_IDENTIFIER=" + identifier_);
  if (current_fields != nullptr) {
    for (const Field& f : *current_fields) {
      if (!valid_field_key(f.key)) continue;  // a bad key must not corrupt the record
      parts.push_back(std::string(f.key) + "=" + f.value);
    }
  }
  std::vector<iovec> iov(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    iov[i].iov_base = parts[i].data();
    iov[i].iov_len = parts[i].size();
  }
  // A journal that is gone must not take the daemon down; records are lost, not queued.
  (void)sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

void StderrSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  std::string text(line.data(), line.size());
  if (current_fields != nullptr && current_fields->size() > 0) {
    // Put the fields before the newline the formatter appended.
    std::string suffix;
    for (const Field& f : *current_fields) {
      suffix += ' ';
      suffix.append(f.key);
      suffix += '=';
      const bool quote = f.value.find(' ') != std::string::npos || f.value.empty();
      if (quote) suffix += '"';
      suffix += f.value;
      if (quote) suffix += '"';
    }
    const auto nl = text.find_last_not_of('\n');
    text.insert(nl == std::string::npos ? 0 : nl + 1, suffix);
  }
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void StderrSink::flush_() {
  std::fflush(stderr);
}

}  // namespace augur::log::detail
