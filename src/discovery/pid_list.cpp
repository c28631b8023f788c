#include "augur/discovery/pid_list.h"

#include <charconv>
#include <string>

namespace augur::discovery {

Result<std::vector<pid_t>> parse_pid_list(std::string_view text, std::string_view where) {
  std::vector<pid_t> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty()) continue;
    pid_t id = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), id);
    if (ec != std::errc{} || end != line.data() + line.size() || id <= 0) {
      return Error{"line " + std::to_string(line_no) + " is not a positive id", std::string(where)};
    }
    out.push_back(id);
  }
  return out;
}

}  // namespace augur::discovery
