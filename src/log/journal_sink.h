#pragma once
// An spdlog sink that sends each record to journald's native protocol with the record's
// structured fields. Fields travel from log::write() to the sink through a thread-local,
// which is sound because Augur's logger is synchronous: the sink runs on the caller's thread.
#include <spdlog/sinks/base_sink.h>

#include <initializer_list>
#include <mutex>
#include <string>

#include "augur/log/log.h"

namespace augur::log::detail {

// The fields of the record being written on this thread, or null.
extern thread_local const std::initializer_list<Field>* current_fields;

// journald's syslog priorities for our levels.
int syslog_priority(spdlog::level::level_enum level);

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JournalSink(std::string identifier) : identifier_(std::move(identifier)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string identifier_;
};

// stderr: "LEVEL message key=value ..." via spdlog's own formatting.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;
};

}  // namespace augur::log::detail
