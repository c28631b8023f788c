#include "augur/metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace augur::metrics {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

std::string_view type_word(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} with an optional extra label (le) last; empty when there are none.
void append_labels(std::string& out, const std::vector<std::pair<std::string, std::string>>& labels,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  const auto one = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  };
  for (const auto& [name, value] : labels) one(name, value);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const SeriesSnapshot& series, double value, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  out += name;
  out += suffix;
  append_labels(out, series.labels, extra_name, extra_value);
  out += ' ';
  out += format_value(value);
  out += '\n';
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t len = utf8_sequence(value, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (len == 1) {
      switch (value[i]) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += value[i];
      }
    } else {
      out += value.substr(i, len);
    }
    i += len;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (std::size_t i = 0; i < help.size();) {
    const std::size_t len = utf8_sequence(help, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (len == 1 && help[i] == '\\') {
      out += "\\\\";
    } else if (len == 1 && help[i] == '\n') {
      out += "\\n";
    } else {
      out += help.substr(i, len);
    }
    i += len;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc{}) return "NaN";  // cannot happen: 64 bytes hold any double
  return std::string(buf, end);
}

std::string encode_text(const MetricsSnapshot& snapshot) {
  std::string out;
  for (const FamilySnapshot& family : snapshot) {
    const std::string& name = family.spec.name;
    if (!family.spec.help.empty()) {
      out += "# HELP " + name + ' ' + escape_help(family.spec.help) + '\n';
    }
    out += "# TYPE " + name + ' ';
    out += type_word(family.spec.type);
    out += '\n';
    for (const SeriesSnapshot& series : family.series) {
      if (family.spec.type != MetricType::kHistogram) {
        append_sample(out, name, "", series, series.value);
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < family.spec.buckets.size(); ++b) {
        cumulative += b < series.bucket_counts.size() ? series.bucket_counts[b] : 0;
        append_sample(out, name, "_bucket", series, static_cast<double>(cumulative), "le",
                      format_value(family.spec.buckets[b]));
      }
      append_sample(out, name, "_bucket", series, static_cast<double>(series.count), "le", "+Inf");
      append_sample(out, name, "_sum", series, series.sum);
      append_sample(out, name, "_count", series, static_cast<double>(series.count));
    }
  }
  return out;
}

}  // namespace augur::metrics
