#pragma once
// "Did you mean" for unknown keys (internal to the compiler).
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace augur::config::detail {

// Levenshtein distance after folding case and '-' to '_' (so "Max-Step" is close to
// "max_step").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The known key closest to `unknown`, when it is close enough to be a plausible typo, or
// else a known key that `unknown` starts or ends with (or the reverse).
std::optional<std::string_view> closest_key(std::string_view unknown,
                                            std::span<const std::string_view> known);

}  // namespace augur::config::detail
