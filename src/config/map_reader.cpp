#include "map_reader.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "suggest.h"
#include "units.h"

namespace augur::config::detail {
namespace {

constexpr std::string_view kExpectDuration = "a duration with a unit: ms, s, m, h or d (e.g. 30s)";
constexpr std::string_view kExpectBytes =
    "a size in bytes: a number, or a number with a unit B, KiB, MiB, GiB or TiB (e.g. 256MiB)";
constexpr std::string_view kExpectRate =
    "a rate in bytes/s: a number, or a number with a unit B/s, KiB/s, MiB/s, GiB/s or TiB/s "
    "(e.g. 100MiB/s)";

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string unit_name(std::chrono::milliseconds granularity) {
  if (granularity == std::chrono::hours(1)) return "hours (h or d)";
  if (granularity == std::chrono::seconds(1)) return "seconds";
  return std::to_string(granularity.count()) + "ms";
}

// Operators often write "512M" or "1GB": say which spelling is meant.
std::string unit_hint(std::string_view text) {
  if (text.ends_with("/s")) text.remove_suffix(2);
  for (std::string_view unit : {"KB", "MB", "GB", "TB", "K", "M", "G", "T", "k", "kB"}) {
    if (text.size() > unit.size() && text.ends_with(unit) &&
        parse_number(text.substr(0, text.size() - unit.size()))) {
      return " (binary units only: KiB, MiB, GiB, TiB)";
    }
  }
  return "";
}

}  // namespace

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return quote(node.Scalar());
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

YAML::Mark mark_of(const YAML::Node& node) {
  if (!node.IsDefined()) return YAML::Mark::null_mark();
  return node.Mark();
}

MapReader::MapReader(Context& ctx, const YAML::Node& node, std::string path,
                     std::span<const std::string_view> known, bool allow_null)
    : ctx_(ctx), path_(std::move(path)), mark_(mark_of(node)) {
  if (allow_null && (!node.IsDefined() || node.IsNull())) return;
  if (!node.IsMap()) {
    ctx_.error(mark_, path_.empty()
                          ? "the top level must be a mapping of sections, got " + describe(node)
                          : quote(path_) + " must be a mapping, got " + describe(node));
    ctx_.failed(path_);
    return;
  }
  const std::string where = path_.empty() ? " at the top level" : " in " + quote(path_);
  std::map<std::string, int, std::less<>> first_line;
  for (const auto& pair : node) {
    // Copies: the iterator's pair is a proxy, a reference into it would dangle.
    const YAML::Node key = pair.first;
    const YAML::Mark key_mark = mark_of(key);
    if (!key.IsScalar()) {
      ctx_.error(key_mark, "keys" + where + " must be strings, got " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    auto [previous, inserted] = first_line.emplace(name, key_mark.line + 1);
    if (!inserted) {
      ctx_.error(key_mark, "duplicate key " + quote(name) + where + " (first set at line " +
                               std::to_string(previous->second) + ")");
      ctx_.failed(path_of(name));
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string message = "unknown key " + quote(name) + where;
      if (auto suggestion = closest_key(name, known)) {
        message += " (did you mean '" + std::string(*suggestion) + "'?)";
      }
      ctx_.error(key_mark, std::move(message));
      continue;
    }
    entries_.push_back(Entry{name, key, pair.second});
  }
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

bool MapReader::require(std::string_view key) {
  if (has(key)) return true;
  ctx_.error(mark_, quote(path_) + " is missing required key " + quote(key));
  ctx_.failed(path_of(key));
  return false;
}

std::string MapReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::optional<std::string> MapReader::scalar(const Entry& e, std::string_view key,
                                             std::string_view expected) {
  if (e.value.IsNull()) {
    // An empty value has no useful position of its own (yaml-cpp puts it on the next
    // token), so point at the key.
    ctx_.error(mark_of(e.key_node),
               quote(path_of(key)) + " has no value: expected " + std::string(expected));
    ctx_.failed(path_of(key));
    return std::nullopt;
  }
  if (!e.value.IsScalar()) {
    wrong_value(e, key, expected, describe(e.value));
    return std::nullopt;
  }
  return e.value.Scalar();
}

bool MapReader::expect_sequence(const Entry& e, std::string_view key, std::string_view expected) {
  if (e.value.IsNull()) return false;
  if (e.value.IsSequence()) return true;
  wrong_value(e, key, expected, describe(e.value));
  return false;
}

void MapReader::wrong_value(const Entry& e, std::string_view key, std::string_view expected,
                            std::string_view text) {
  ctx_.error(mark_of(e.value), quote(path_of(key)) + " must be " + std::string(expected) +
                                   ", got " + std::string(text));
  ctx_.failed(path_of(key));
}

void MapReader::out_of_range(const Entry& e, std::string_view key, std::string_view text,
                             const std::string& range) {
  ctx_.error(mark_of(e.value),
             quote(path_of(key)) + " is " + printable(text) + ", valid range is " + range);
  ctx_.failed(path_of(key));
}

void MapReader::accept(const Entry& e, std::string_view key) {
  ctx_.set(path_of(key), mark_of(e.value));
}

void MapReader::read(std::string_view key, bool& out) {
  const Entry* e = find(key);
  if (e == nullptr) return;
  constexpr std::string_view kExpected = "a boolean (true or false)";
  auto text = scalar(*e, key, kExpected);
  if (!text) return;
  auto value = parse_bool(*text);
  if (!value) return wrong_value(*e, key, kExpected, quote(*text));
  out = *value;
  accept(*e, key);
}

void MapReader::read(std::string_view key, std::string& out, StringRule rule) {
  const Entry* e = find(key);
  if (e == nullptr) return;
  std::string text;
  if (!e->value.IsNull()) {
    auto s = scalar(*e, key, "a string");
    if (!s) return;
    text = std::move(*s);
  }
  const YAML::Mark at = e->value.IsNull() ? mark_of(e->key_node) : mark_of(e->value);
  auto reject = [&](const std::string& why) {
    ctx_.error(at, quote(path_of(key)) + " " + why);
    ctx_.failed(path_of(key));
  };
  if (text.find('\0') != std::string::npos) return reject("must not contain a NUL character");
  const bool absolute = !text.empty() && text.front() == '/';
  switch (rule) {
    case StringRule::kAny: break;
    case StringRule::kNonEmpty:
      if (text.empty()) return reject("must not be empty");
      break;
    case StringRule::kAbsolutePath:
      if (!absolute) return reject("must be an absolute path, got " + quote(text));
      break;
    case StringRule::kAbsolutePathOrEmpty:
      if (!text.empty() && !absolute) {
        return reject("must be an absolute path or empty, got " + quote(text));
      }
      break;
  }
  out = std::move(text);
  accept(*e, key);
}

void MapReader::read(std::string_view key, std::vector<std::string>& out) {
  const Entry* e = find(key);
  if (e == nullptr) return;
  std::vector<std::string> items;
  if (expect_sequence(*e, key, "a sequence of strings")) {
    bool ok = true;
    std::size_t i = 0;
    for (const YAML::Node& item : e->value) {
      const std::string item_path = path_of(key) + "[" + std::to_string(i++) + "]";
      if (!item.IsScalar() || item.Scalar().empty() ||
          item.Scalar().find('\0') != std::string::npos) {
        ctx_.error(mark_of(item),
                   quote(item_path) + " must be a non-empty string, got " + describe(item));
        ok = false;
        continue;
      }
      items.push_back(item.Scalar());
    }
    if (!ok) {
      ctx_.failed(path_of(key));
      return;
    }
  } else if (!e->value.IsNull()) {
    return;  // wrong type, reported
  }
  out = std::move(items);
  accept(*e, key);
}

std::optional<std::int64_t> MapReader::read_integer(std::string_view key, IntRange range) {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  auto text = scalar(*e, key, "an integer");
  if (!text) return std::nullopt;
  auto value = parse_integer(*text);
  if (!value) {
    wrong_value(*e, key, "an integer", quote(*text));
    return std::nullopt;
  }
  if (*value < range.lo || *value > range.hi) {
    out_of_range(*e, key, *text, std::to_string(range.lo) + ".." + std::to_string(range.hi));
    return std::nullopt;
  }
  accept(*e, key);
  return value;
}

void MapReader::read(std::string_view key, int& out, IntRange range) {
  if (auto v = read_integer(key, range)) out = static_cast<int>(*v);
}

void MapReader::read(std::string_view key, std::size_t& out, IntRange range) {
  if (auto v = read_integer(key, range)) out = static_cast<std::size_t>(*v);
}

std::optional<double> MapReader::read_double(std::string_view key, NumberRange range, Unit unit) {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  std::string_view expected = unit == Unit::kBytes  ? kExpectBytes
                              : unit == Unit::kRate ? kExpectRate
                                                    : std::string_view("a number");
  auto text = scalar(*e, key, expected);
  if (!text) return std::nullopt;
  auto value = unit == Unit::kBytes  ? parse_bytes(*text)
               : unit == Unit::kRate ? parse_rate(*text)
                                     : parse_number(*text);
  if (!value) {
    wrong_value(*e, key, expected, quote(*text) + (unit == Unit::kPlain ? "" : unit_hint(*text)));
    return std::nullopt;
  }
  const bool below = range.lo_excluded ? *value <= range.lo : *value < range.lo;
  if (below || *value > range.hi) {
    auto bound = [unit](double v) {
      if (unit == Unit::kPlain) return format_number(v);
      return format_bytes(v) + (unit == Unit::kRate ? "/s" : "");
    };
    std::string text_range = bound(range.lo) + ".." + bound(range.hi);
    if (range.lo_excluded) text_range += " excluding " + bound(range.lo);
    out_of_range(*e, key, *text, text_range);
    return std::nullopt;
  }
  accept(*e, key);
  return value;
}

void MapReader::read(std::string_view key, double& out, NumberRange range) {
  if (auto v = read_double(key, range, Unit::kPlain)) out = *v;
}

void MapReader::read_bytes(std::string_view key, double& out, NumberRange range) {
  if (auto v = read_double(key, range, Unit::kBytes)) out = *v;
}

void MapReader::read_rate(std::string_view key, double& out, NumberRange range) {
  if (auto v = read_double(key, range, Unit::kRate)) out = *v;
}

void MapReader::read_byte_count(std::string_view key, std::size_t& out, IntRange range) {
  const Entry* e = find(key);
  if (e == nullptr) return;
  auto text = scalar(*e, key, kExpectBytes);
  if (!text) return;
  auto value = parse_bytes(*text);
  if (!value || *value != std::floor(*value)) {
    return wrong_value(*e, key,
                       std::string("a whole number of bytes; ") + std::string(kExpectBytes),
                       quote(*text) + unit_hint(*text));
  }
  if (*value < static_cast<double>(range.lo) || *value > static_cast<double>(range.hi)) {
    return out_of_range(*e, key, *text,
                        format_bytes(static_cast<double>(range.lo)) + ".." +
                            format_bytes(static_cast<double>(range.hi)));
  }
  out = static_cast<std::size_t>(*value);
  accept(*e, key);
}

std::optional<std::chrono::milliseconds> MapReader::read_milliseconds(
    std::string_view key, DurationRange range, std::chrono::milliseconds granularity) {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  auto text = scalar(*e, key, kExpectDuration);
  if (!text) return std::nullopt;
  auto value = parse_duration(*text);
  if (!value) {
    const bool bare = parse_number(*text).has_value();
    wrong_value(*e, key, kExpectDuration,
                quote(*text) +
                    (bare ? " (a unit is required: write " + *text + "s or " + *text + "ms)" : ""));
    return std::nullopt;
  }
  if (value->count() % granularity.count() != 0) {
    wrong_value(*e, key, "a whole number of " + unit_name(granularity), quote(*text));
    return std::nullopt;
  }
  if (*value < range.lo || *value > range.hi) {
    out_of_range(*e, key, *text, format_duration(range.lo) + ".." + format_duration(range.hi));
    return std::nullopt;
  }
  accept(*e, key);
  return value;
}

std::optional<std::size_t> MapReader::read_choice(std::string_view key,
                                                  const std::vector<std::string_view>& names) {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  const std::string expected = "one of " + join(names);
  auto text = scalar(*e, key, expected);
  if (!text) return std::nullopt;
  auto it = std::find(names.begin(), names.end(), *text);
  if (it == names.end()) {
    wrong_value(*e, key, expected, quote(*text));
    return std::nullopt;
  }
  accept(*e, key);
  return static_cast<std::size_t>(it - names.begin());
}

MapReader MapReader::section(std::string_view key, std::span<const std::string_view> known) {
  const Entry* e = find(key);
  return MapReader(ctx_, e == nullptr ? YAML::Node() : e->value, path_of(key), known);
}

}  // namespace augur::config::detail
