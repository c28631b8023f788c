#include <charconv>
#include <cmath>

#include "augur/trace/parse.h"
#include "builder.h"

namespace augur::trace {

void split_fields(std::string_view line, std::string_view sep, std::vector<std::string_view>& out) {
  out.clear();
  if (sep.empty()) {
    out.push_back(line);
    return;
  }
  std::size_t pos = 0;
  while (true) {
    std::size_t at = line.find(sep, pos);
    if (at == std::string_view::npos) {
      out.push_back(line.substr(pos));
      return;
    }
    out.push_back(line.substr(pos, at - pos));
    pos = at + sep.size();
  }
}

bool parse_double(std::string_view text, double& out) {
  text = detail::trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool parse_int64(std::string_view text, std::int64_t& out) {
  text = detail::trim(text);
  if (text.empty()) return false;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return false;
  out = v;
  return true;
}

bool parse_timestamp(std::string_view text, std::int64_t& out) {
  std::int64_t v = 0;
  if (!parse_int64(text, v) || v < 0 || v > kMaxTimestampS) return false;
  out = v;
  return true;
}

}  // namespace augur::trace
