#include "units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace augur::config::detail {
namespace {

// Longer durations are refused rather than risk overflow: 10^15 ms is about 31700 years.
constexpr std::int64_t kMaxDurationMs = 1'000'000'000'000'000;

struct Unit {
  std::string_view suffix;
  double factor;
};

// Longest suffixes first so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> kByteUnits = {{{"KiB", 1024.0},
                                             {"MiB", 1024.0 * 1024},
                                             {"GiB", 1024.0 * 1024 * 1024},
                                             {"TiB", 1024.0 * 1024 * 1024 * 1024},
                                             {"B", 1.0}}};

std::optional<double> parse_with_byte_unit(std::string_view text, std::string_view tail) {
  if (text.size() <= tail.size() || !text.ends_with(tail)) return std::nullopt;
  text.remove_suffix(tail.size());
  for (const Unit& unit : kByteUnits) {
    if (text.size() > unit.suffix.size() && text.ends_with(unit.suffix)) {
      auto number = parse_number(text.substr(0, text.size() - unit.suffix.size()));
      if (!number || *number < 0) return std::nullopt;
      double bytes = *number * unit.factor;
      if (!std::isfinite(bytes)) return std::nullopt;
      return bytes;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // from_chars accepts "inf", "nan" and hex-less forms only; a leading '+' is refused too.
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> kUnits = {
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  auto count = parse_integer(text.substr(0, digits));
  if (!count) return std::nullopt;
  std::string_view unit = text.substr(digits);
  for (const auto& [suffix, ms] : kUnits) {
    if (unit != suffix) continue;
    if (*count > kMaxDurationMs / ms) return std::nullopt;
    return std::chrono::milliseconds(*count * ms);
  }
  return std::nullopt;
}

std::optional<double> parse_bytes(std::string_view text) {
  if (auto plain = parse_number(text)) return *plain >= 0 ? plain : std::nullopt;
  return parse_with_byte_unit(text, "");
}

std::optional<double> parse_rate(std::string_view text) {
  if (auto plain = parse_number(text)) return *plain >= 0 ? plain : std::nullopt;
  return parse_with_byte_unit(text, "/s");
}

std::string format_duration(std::chrono::milliseconds value) {
  static constexpr std::array<std::pair<std::string_view, std::int64_t>, 4> kUnits = {
      {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}}};
  const std::int64_t ms = value.count();
  for (const auto& [suffix, factor] : kUnits) {
    if (ms != 0 && ms % factor == 0) return std::to_string(ms / factor) + std::string(suffix);
  }
  return std::to_string(ms) + "ms";
}

std::string format_bytes(double bytes) {
  for (auto it = kByteUnits.rbegin() + 1; it != kByteUnits.rend(); ++it) {
    double count = bytes / it->factor;
    // Only exact multiples get a unit; 1.5GiB would print as its byte count.
    if (bytes >= it->factor && count == std::floor(count) && count < 1e15) {
      return format_number(count) + std::string(it->suffix);
    }
  }
  return format_number(bytes);
}

std::string format_number(double value) {
  std::array<char, 64> buffer{};
  auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return "?";
  return std::string(buffer.data(), ptr);
}

}  // namespace augur::config::detail
