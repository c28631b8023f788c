#pragma once
// The Prometheus text exposition format, version 0.0.4: one "# HELP" and one "# TYPE" line
// per family, then its samples; histograms as cumulative _bucket series ending in
// le="+Inf", then _sum and _count.
#include <string>
#include <string_view>

#include "augur/metrics/registry.h"

namespace augur::metrics {

// The Content-Type of an exposition in this format.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

[[nodiscard]] std::string encode_text(const MetricsSnapshot& snapshot);

// Label values: backslash, double quote and line feed escaped; invalid UTF-8 replaced by
// U+FFFD (the format is UTF-8 and instance names come from outside).
[[nodiscard]] std::string escape_label_value(std::string_view value);
// HELP text: backslash and line feed escaped.
[[nodiscard]] std::string escape_help(std::string_view help);
// A sample value as Go's ParseFloat reads it: shortest round-trip form, NaN, +Inf, -Inf.
[[nodiscard]] std::string format_value(double value);

}  // namespace augur::metrics
