#include "augur_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <sstream>

#include "augur/host/open_file.h"

namespace augur::demo {

bool split_log_line(const std::string& line, std::string& level, std::string& message) {
  const auto a = line.find(' ');
  if (a == std::string::npos) return false;
  const auto b = line.find(' ', a + 1);
  if (b == std::string::npos) return false;
  level = line.substr(a + 1, b - a - 1);
  message = line.substr(b + 1);
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != ' ') continue;
    std::size_t j = i + 1;
    while (j < message.size() &&
           (std::isupper(static_cast<unsigned char>(message[j])) != 0 || message[j] == '_')) {
      ++j;
    }
    if (j > i + 1 && j < message.size() && message[j] == '=') {
      message.resize(i);
      break;
    }
  }
  return true;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::optional<Change> parse_applied(const std::string& message, const std::string& instance,
                                    const std::string& resource) {
  const std::string head = "applied: " + instance + " " + resource + " ";
  if (message.rfind(head, 0) != 0) return std::nullopt;
  Change c;
  char reason[64] = {};
  if (std::sscanf(message.c_str() + head.size(), "%lf -> %lf (%63[^,)]", &c.from, &c.to, reason) !=
      3) {
    return std::nullopt;
  }
  c.reason = reason;
  return c;
}

LogTail::~LogTail() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> LogTail::read_lines() {
  std::vector<std::string> out;
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) break;
    partial_.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t begin = 0;
  for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', begin)) {
    out.push_back(partial_.substr(begin, nl - begin));
    begin = nl + 1;
  }
  partial_.erase(0, begin);
  return out;
}

std::string LogTail::tail(std::size_t n) const {
  std::istringstream in(host::read_file(path_).value_or(""));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += "  " + lines[i] + "\n";
  }
  return out;
}

}  // namespace augur::demo
