#pragma once
// Private helpers for the pure parsers of kernel files: line and field splitting and strict
// number parsing that never throws (std::from_chars), so garbage becomes an Error.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/util/result.h"

namespace augur::host::text {

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Non-empty lines (trailing '\r' and surrounding blanks removed).
inline std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto nl = s.find('\n');
    const auto line = trim(s.substr(0, nl));
    if (!line.empty()) out.push_back(line);
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

// Fields separated by runs of blanks.
inline std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const auto start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

inline std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || s.empty()) return std::nullopt;
  return v;
}

inline std::optional<std::int64_t> to_i64(std::string_view s) {
  std::int64_t v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || s.empty()) return std::nullopt;
  return v;
}

// Decimal with an optional fraction ("0.37"); from_chars for double is in GCC 12 and
// libstdc++ (used by clang here too).
inline std::optional<double> to_double(std::string_view s) {
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || s.empty()) return std::nullopt;
  return v;
}

// "key=value" split; nullopt when there is no '='.
inline std::optional<std::pair<std::string_view, std::string_view>> key_value(std::string_view s) {
  const auto eq = s.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return std::pair{s.substr(0, eq), s.substr(eq + 1)};
}

// "8:0" -> {8, 0}
inline std::optional<std::pair<std::uint32_t, std::uint32_t>> dev_numbers(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto maj = to_u64(s.substr(0, colon));
  const auto min = to_u64(s.substr(colon + 1));
  if (!maj || !min || *maj > UINT32_MAX || *min > UINT32_MAX) return std::nullopt;
  return std::pair{static_cast<std::uint32_t>(*maj), static_cast<std::uint32_t>(*min)};
}

inline Error parse_error(std::string_view what, std::string_view where) {
  return Error{std::string(what), std::string(where), 0};
}

// The first line, shortened, for error messages about a malformed line.
inline std::string quote(std::string_view line) {
  constexpr std::size_t kMax = 60;
  std::string out = "'";
  out += line.substr(0, kMax);
  if (line.size() > kMax) out += "...";
  out += "'";
  return out;
}

}  // namespace augur::host::text
