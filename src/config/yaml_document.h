#pragma once
// Turns config text into one YAML node tree (internal to the compiler), working around
// yaml-cpp 0.7's weak spots on hostile input.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string_view>

#include "context.h"

namespace augur::config::detail {

// The root of the single YAML document in `text`: a null node for an empty stream, nullopt
// after reporting a syntax error or a second document to `ctx`.
std::optional<YAML::Node> parse_document(Context& ctx, std::string_view text);

}  // namespace augur::config::detail
