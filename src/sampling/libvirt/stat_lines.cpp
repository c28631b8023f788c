#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

#include "augur/sampling/libvirt/domain_stats.h"

namespace augur::sampling {
namespace {

template <class T>
bool parse_int(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

std::string_view next_word(std::string_view& line) {
  const auto sp = line.find(' ');
  const std::string_view word = line.substr(0, sp);
  line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
  return word;
}

}  // namespace

Result<std::vector<StatParam>> parse_stat_lines(std::string_view text, std::string_view where) {
  std::vector<StatParam> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto bad = [&](const char* why) {
      return Error{std::string(why) + " on line " + std::to_string(line_no), std::string(where)};
    };
    const std::string_view name = next_word(line);
    const std::string_view type = next_word(line);
    if (name.empty() || type.empty()) return bad("expected 'name type value'");
    StatParam p{std::string(name), {}};
    if (type == "int" || type == "llong") {
      std::int64_t v = 0;
      if (!parse_int(line, v)) return bad("bad signed value");
      p.value = v;
    } else if (type == "uint" || type == "ullong") {
      std::uint64_t v = 0;
      if (!parse_int(line, v)) return bad("bad unsigned value");
      p.value = v;
    } else if (type == "double") {
      const std::string s(line);
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || errno != 0) return bad("bad double value");
      p.value = v;
    } else if (type == "boolean") {
      if (line != "0" && line != "1") return bad("bad boolean value");
      p.value = line == "1";
    } else if (type == "string") {
      p.value = std::string(line);
    } else {
      return bad("unknown type");
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace augur::sampling
