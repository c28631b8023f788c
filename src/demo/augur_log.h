#pragma once
// The demo reads augurd's decisions from its log, as an operator would: the file followed as
// it grows, each line's level and message, and the changes Augur applied.
#include <optional>
#include <string>
#include <vector>

namespace augur::demo {

// One of Augur's applied changes, as its log line states it.
struct Change {
  double at_s = 0;  // seconds into the round (when the demo read the line)
  double from = 0;
  double to = 0;
  std::string reason;  // "prediction", "reactive", "scale-down", "undo", "bounds"
};

// "2025-01-01T00:00:00.000 info applied: ... INSTANCE=x REASON=y" -> level and message (the
// structured KEY=value fields cut off).
bool split_log_line(const std::string& line, std::string& level, std::string& message);

void replace_all(std::string& s, const std::string& from, const std::string& to);

// "applied: web cpu 0.2 -> 0.3 (prediction, clamped by max-step)" for `instance` and
// `resource` ("cpu", "memory"); nothing for any other line.
std::optional<Change> parse_applied(const std::string& message, const std::string& instance,
                                    const std::string& resource);

// Follows augurd's log file.
class LogTail {
 public:
  explicit LogTail(std::string path) : path_(std::move(path)) {}
  LogTail(const LogTail&) = delete;
  LogTail& operator=(const LogTail&) = delete;
  ~LogTail();
  // Complete lines appended since the last call.
  std::vector<std::string> read_lines();
  // The last `n` lines of the whole file (for an early exit of the daemon).
  [[nodiscard]] std::string tail(std::size_t n) const;

 private:
  std::string path_;
  int fd_ = -1;
  std::string partial_;
};

}  // namespace augur::demo
