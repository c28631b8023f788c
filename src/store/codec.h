#pragma once
// Internal: how vectors sit in BLOB columns. Doubles are stored as IEEE-754 binary64 in
// little-endian byte order, so NaN (unknown) survives and a file moves between hosts.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augur/core/decisions.h"
#include "augur/core/resource.h"

namespace augur::store::detail {

std::string encode_doubles(const double* values, std::size_t n);
// nullopt when the blob's length is not a multiple of 8.
std::optional<std::vector<double>> decode_doubles(std::string_view blob);

std::string encode_vector(const std::vector<double>& v);
std::string encode_resources(const ResourceVector& v);
// nullopt unless exactly kResourceCount doubles.
std::optional<ResourceVector> decode_resources(std::string_view blob);

// Top features as text "index:contribution;..." (contribution printed with %.17g).
std::string encode_top_features(const std::vector<FeatureContribution>& top);
std::optional<std::vector<FeatureContribution>> decode_top_features(std::string_view text);

// The names the change table stores (resource_name, mode_name) back to their values.
std::optional<Resource> resource_from_name(std::string_view name);
std::optional<Mode> mode_from_name(std::string_view name);

}  // namespace augur::store::detail
