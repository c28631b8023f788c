#pragma once
// Reads one YAML mapping against its schema (internal to the compiler): reports unknown
// keys (with a suggestion), duplicate keys and non-string keys when constructed, then reads
// typed fields, each reporting wrong types and out-of-range values at the value's position.
// A field that is absent keeps the default already in `out`.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "context.h"

namespace augur::config::detail {

struct IntRange {
  std::int64_t lo;
  std::int64_t hi;
};

struct NumberRange {
  double lo;
  double hi;
  bool lo_excluded = false;  // "> lo" rather than ">= lo"
};

struct DurationRange {
  std::chrono::milliseconds lo;
  std::chrono::milliseconds hi;
};

enum class StringRule { kAny, kNonEmpty, kAbsolutePath, kAbsolutePathOrEmpty };

template <class E>
struct Choice {
  std::string_view name;
  E value;
};

class MapReader {
 public:
  // `node` is a mapping, or null/absent (every key keeps its default) when `allow_null`.
  // `path` names it in messages ("discovery.libvirt"; empty for the top level).
  MapReader(Context& ctx, const YAML::Node& node, std::string path,
            std::span<const std::string_view> known, bool allow_null = true);

  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }
  // Reports `key` missing when absent (the mapping itself is the position).
  bool require(std::string_view key);
  [[nodiscard]] std::string path_of(std::string_view key) const;
  [[nodiscard]] const std::string& path() const { return path_; }

  void read(std::string_view key, bool& out);
  void read(std::string_view key, std::string& out, StringRule rule = StringRule::kAny);
  // A sequence of non-empty strings; replaces the default list.
  void read(std::string_view key, std::vector<std::string>& out);
  void read(std::string_view key, int& out, IntRange range);
  void read(std::string_view key, std::size_t& out, IntRange range);
  void read(std::string_view key, double& out, NumberRange range);
  // A whole number of bytes, plain or with a binary unit ("64KiB").
  void read_byte_count(std::string_view key, std::size_t& out, IntRange range);
  void read_bytes(std::string_view key, double& out, NumberRange range);
  void read_rate(std::string_view key, double& out, NumberRange range);

  template <class Rep, class Period>
  void read(std::string_view key, std::chrono::duration<Rep, Period>& out, DurationRange range) {
    using Target = std::chrono::duration<Rep, Period>;
    const auto granularity = std::chrono::duration_cast<std::chrono::milliseconds>(Target(1));
    if (auto ms = read_milliseconds(key, range, granularity)) {
      out = std::chrono::duration_cast<Target>(*ms);
    }
  }

  template <class E>
  void read(std::string_view key, E& out, std::span<const Choice<E>> choices) {
    std::vector<std::string_view> names;
    for (const auto& c : choices) names.push_back(c.name);
    if (auto index = read_choice(key, names)) out = choices[*index].value;
  }

  // A nested mapping; absent or null gives a reader with no keys.
  MapReader section(std::string_view key, std::span<const std::string_view> known);

  // Calls fn(item_node, "path.key[i]") for each element of the sequence at `key`.
  template <class Fn>
  void for_each(std::string_view key, Fn&& fn) {
    const Entry* e = find(key);
    if (e == nullptr || !expect_sequence(*e, key, "a sequence of mappings")) return;
    std::size_t i = 0;
    for (const YAML::Node& item : e->value) {
      fn(item, path_of(key) + "[" + std::to_string(i++) + "]");
    }
  }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };

  [[nodiscard]] const Entry* find(std::string_view key) const;
  // The scalar text of a present key, or nullopt after reporting it as the wrong type.
  std::optional<std::string> scalar(const Entry& e, std::string_view key,
                                    std::string_view expected);
  bool expect_sequence(const Entry& e, std::string_view key, std::string_view expected);
  void wrong_value(const Entry& e, std::string_view key, std::string_view expected,
                   std::string_view text);
  void out_of_range(const Entry& e, std::string_view key, std::string_view text,
                    const std::string& range);
  void accept(const Entry& e, std::string_view key);
  std::optional<std::chrono::milliseconds> read_milliseconds(std::string_view key,
                                                             DurationRange range,
                                                             std::chrono::milliseconds granularity);
  std::optional<std::size_t> read_choice(std::string_view key,
                                         const std::vector<std::string_view>& names);
  enum class Unit { kPlain, kBytes, kRate };
  std::optional<double> read_double(std::string_view key, NumberRange range, Unit unit);
  std::optional<std::int64_t> read_integer(std::string_view key, IntRange range);

  Context& ctx_;
  std::string path_;
  YAML::Mark mark_;
  std::vector<Entry> entries_;
};

// How a node reads in a message: "a mapping", "a sequence", "nothing", or the quoted text.
std::string describe(const YAML::Node& node);
// The position of a node; nodes without one (e.g. empty values) give a null mark.
YAML::Mark mark_of(const YAML::Node& node);

}  // namespace augur::config::detail
