#include "suggest.h"

#include <algorithm>
#include <string>
#include <vector>

namespace augur::config::detail {
namespace {

// Keys longer than this are not typos of a config key; skipping them keeps the quadratic
// distance cheap on hostile input.
constexpr std::size_t kMaxComparedLength = 64;

char fold(char c) {
  if (c == '-') return '_';
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest_key(std::string_view unknown,
                                            std::span<const std::string_view> known) {
  if (unknown.size() > kMaxComparedLength) return std::nullopt;
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (std::string_view candidate : known) {
    std::size_t d = edit_distance(unknown, candidate);
    // Up to 2 edits, or a quarter of the key for long names; never a full rewrite of a
    // short key ("k" is not a typo of "n").
    std::size_t allowed = std::max<std::size_t>(2, candidate.size() / 4);
    if (d > allowed || d >= candidate.size()) continue;
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best) return best;
  // No typo: maybe a longer or shorter spelling of a key ("app_type" for "type",
  // "max_step" for "max_step_fraction"). Four characters in common at least, so that
  // "k" or "n" are never suggested for anything.
  for (std::string_view candidate : known) {
    const std::string_view shorter = candidate.size() < unknown.size() ? candidate : unknown;
    const std::string_view longer = candidate.size() < unknown.size() ? unknown : candidate;
    if (shorter.size() >= 4 && (longer.starts_with(shorter) || longer.ends_with(shorter))) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace augur::config::detail
