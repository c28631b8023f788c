#pragma once
// A raw reading that may be missing on this host, with the reason (below's "a missing kernel
// file is None, not an error", plus why, for augurctl and the Sample's missing mask).
#include <optional>
#include <string>
#include <utility>

namespace augur::sampling {

template <class T>
struct Field {
  std::optional<T> value;
  std::string missing_reason;  // set when value is empty

  static Field missing(std::string reason) { return Field{std::nullopt, std::move(reason)}; }
  void set(T v) {
    value = std::move(v);
    missing_reason.clear();
  }
  void set_missing(std::string reason) {
    value.reset();
    missing_reason = std::move(reason);
  }
  [[nodiscard]] bool has() const { return value.has_value(); }
};

}  // namespace augur::sampling
