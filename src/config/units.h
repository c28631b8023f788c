#pragma once
// Pure parsers for the scalar forms the config accepts (internal to the compiler). Each
// returns nullopt when the text is not of that form; callers say what was expected.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace augur::config::detail {

// Decimal integer, optional leading '-', nothing else ("12", "-3").
std::optional<std::int64_t> parse_integer(std::string_view text);

// Finite decimal number ("0.25", "1e6", "-2"); rejects inf and nan.
std::optional<double> parse_number(std::string_view text);

// Exactly "true" or "false" (also True/TRUE/False/FALSE): YAML 1.1's yes/no/on/off are
// rejected on purpose, they surprise operators ("the Norway problem").
std::optional<bool> parse_bool(std::string_view text);

// A whole number with a unit: ms, s, m, h, d ("250ms", "5m"). A unit is required so that
// "30" is never silently read as 30 ms or 30 s.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Bytes: a plain number, or a number with a binary unit B, KiB, MiB, GiB, TiB ("1.5GiB").
std::optional<double> parse_bytes(std::string_view text);

// Bytes per second: a plain number, or a number with B/s, KiB/s, MiB/s, GiB/s, TiB/s.
std::optional<double> parse_rate(std::string_view text);

// The largest unit that divides the value exactly: 60000 ms is "1m", 90000 ms is "90s".
std::string format_duration(std::chrono::milliseconds value);
// "16MiB" when a binary unit divides the value exactly, else the plain number.
std::string format_bytes(double bytes);
// The shortest text that reads back to the same double ("0.99999", "1e+06").
std::string format_number(double value);

}  // namespace augur::config::detail
