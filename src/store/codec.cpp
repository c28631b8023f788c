#include "codec.h"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace augur::store::detail {

std::string encode_doubles(const double* values, std::size_t n) {
  std::string out(n * 8, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    auto bits = std::bit_cast<std::uint64_t>(values[i]);
    for (int b = 0; b < 8; ++b) {
      out[i * 8 + static_cast<std::size_t>(b)] = static_cast<char>((bits >> (8 * b)) & 0xff);
    }
  }
  return out;
}

std::optional<std::vector<double>> decode_doubles(std::string_view blob) {
  if (blob.size() % 8 != 0) return std::nullopt;
  std::vector<double> out(blob.size() / 8);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t bits = 0;
    for (int b = 0; b < 8; ++b) {
      bits |= static_cast<std::uint64_t>(
                  static_cast<unsigned char>(blob[i * 8 + static_cast<std::size_t>(b)]))
              << (8 * b);
    }
    out[i] = std::bit_cast<double>(bits);
  }
  return out;
}

std::string encode_vector(const std::vector<double>& v) {
  return encode_doubles(v.data(), v.size());
}

std::string encode_resources(const ResourceVector& v) {
  return encode_doubles(v.values.data(), v.values.size());
}

std::optional<ResourceVector> decode_resources(std::string_view blob) {
  auto d = decode_doubles(blob);
  if (!d || d->size() != kResourceCount) return std::nullopt;
  ResourceVector out;
  for (std::size_t i = 0; i < kResourceCount; ++i) out.values[i] = (*d)[i];
  return out;
}

std::string encode_top_features(const std::vector<FeatureContribution>& top) {
  std::string out;
  char buf[64];
  for (const auto& f : top) {
    if (!out.empty()) out += ';';
    std::snprintf(buf, sizeof buf, "%zu:%.17g", f.feature, f.contribution);
    out += buf;
  }
  return out;
}

std::optional<std::vector<FeatureContribution>> decode_top_features(std::string_view text) {
  std::vector<FeatureContribution> out;
  while (!text.empty()) {
    auto end = text.find(';');
    auto item = text.substr(0, end);
    auto colon = item.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    FeatureContribution f;
    auto idx = item.substr(0, colon);
    auto val = item.substr(colon + 1);
    auto r1 = std::from_chars(idx.data(), idx.data() + idx.size(), f.feature);
    auto r2 = std::from_chars(val.data(), val.data() + val.size(), f.contribution);
    if (r1.ec != std::errc{} || r1.ptr != idx.data() + idx.size() || r2.ec != std::errc{} ||
        r2.ptr != val.data() + val.size()) {
      return std::nullopt;
    }
    out.push_back(f);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::optional<Resource> resource_from_name(std::string_view name) {
  for (Resource r : kAllResources) {
    if (resource_name(r) == name) return r;
  }
  return std::nullopt;
}

std::optional<Mode> mode_from_name(std::string_view name) {
  for (Mode m : {Mode::kObserve, Mode::kAdvise, Mode::kEnforce}) {
    if (mode_name(m) == name) return m;
  }
  return std::nullopt;
}

}  // namespace augur::store::detail
