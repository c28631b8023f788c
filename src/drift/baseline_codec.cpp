#include "augur/drift/baseline_codec.h"

#include <nlohmann/json.hpp>

namespace augur::drift {

namespace {

using nlohmann::json;
namespace fp = augur::fingerprint;

constexpr const char* kFormat = "augur.baseline";
constexpr const char* kWhere = "baseline";

Error bad(std::string what) {
  return Error{"baseline: " + std::move(what), kWhere, 0};
}

json histogram_json(const ScoreHistogram& h) {
  return {{"min_score", ScoreHistogram::kMinScore},
          {"bins_per_decade", ScoreHistogram::kBinsPerDecade},
          {"counts", h.counts()}};
}

// Empty when the histogram is read; else what is wrong with it.
std::string read_histogram(const json& hist, ScoreHistogram& out) {
  if (hist.at("min_score").get<double>() != ScoreHistogram::kMinScore ||
      hist.at("bins_per_decade").get<int>() != ScoreHistogram::kBinsPerDecade) {
    return "score histogram bins differ from this build's";
  }
  const auto counts = hist.at("counts").get<std::vector<std::uint64_t>>();
  if (counts.size() != ScoreHistogram::kBins) return "score histogram size";
  std::array<std::uint64_t, ScoreHistogram::kBins> bins{};
  std::copy(counts.begin(), counts.end(), bins.begin());
  out.set_counts(bins);
  return "";
}

}  // namespace

std::string serialize(const Baseline& b) {
  json features = json::array();
  const auto& table = fp::feature_table();
  for (std::size_t i = 0; i < b.features.size(); ++i) {
    features.push_back({{"name", table[i].name},
                        {"count", b.features[i].count},
                        {"mean", b.features[i].mean},
                        {"m2", b.features[i].m2}});
  }
  json covariance = nullptr;
  if (b.track_covariance) {
    covariance = {{"count", b.covariance.count},
                  {"mask", b.covariance.mask},
                  {"mean", b.covariance.mean},
                  {"comoment", b.covariance.comoment}};
  }
  const json doc = {
      {"format", kFormat},
      {"format_version", kBaselineFormatVersion},
      {"feature_table_version", b.feature_table_version},
      {"fingerprints", b.fingerprints},
      {"features", std::move(features)},
      {"score_histogram", histogram_json(b.scores)},
      {"slow_score_histogram", histogram_json(b.slow_scores)},
      {"covariance", std::move(covariance)},
  };
  return doc.dump();
}

Result<Baseline> deserialize(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  try {
    if (doc.at("format").get<std::string>() != kFormat) return bad("not an augur baseline");
    const int version = doc.at("format_version").get<int>();
    if (version < 1 || version > kBaselineFormatVersion) {
      return bad("format version " + std::to_string(version) + " not supported (this is " +
                 std::to_string(kBaselineFormatVersion) + ")");
    }
    Baseline b;
    b.feature_table_version = doc.at("feature_table_version").get<std::uint32_t>();
    if (b.feature_table_version != fp::kFeatureTableVersion) {
      return bad("feature table version " + std::to_string(b.feature_table_version) +
                 ", current is " + std::to_string(fp::kFeatureTableVersion) + ": stale, relearn");
    }
    b.fingerprints = doc.at("fingerprints").get<std::uint64_t>();
    const json& features = doc.at("features");
    if (!features.is_array() || features.size() != fp::kFeatureCount) {
      return bad("expected " + std::to_string(fp::kFeatureCount) + " features");
    }
    for (std::size_t i = 0; i < fp::kFeatureCount; ++i) {
      const json& f = features[i];
      if (f.at("name").get<std::string>() != fp::feature_table()[i].name) {
        return bad("feature " + std::to_string(i) + " is not " +
                   std::string(fp::feature_table()[i].name));
      }
      b.features[i].count = f.at("count").get<std::uint64_t>();
      b.features[i].mean = f.at("mean").get<double>();
      b.features[i].m2 = f.at("m2").get<double>();
    }
    if (auto e = read_histogram(doc.at("score_histogram"), b.scores); !e.empty()) return bad(e);
    // Version 1 had no slow channel: its sample stays empty and is collected afresh.
    if (version >= 2) {
      if (auto e = read_histogram(doc.at("slow_score_histogram"), b.slow_scores); !e.empty()) {
        return bad("slow " + e);
      }
    }
    const json& cov = doc.at("covariance");
    if (!cov.is_null()) {
      constexpr std::size_t d = fp::kFeatureCount;
      b.track_covariance = true;
      b.covariance.count = cov.at("count").get<std::uint64_t>();
      b.covariance.mask = cov.at("mask").get<std::vector<bool>>();
      b.covariance.mean = cov.at("mean").get<std::vector<double>>();
      b.covariance.comoment = cov.at("comoment").get<std::vector<double>>();
      if (b.covariance.mask.size() != d || b.covariance.mean.size() != d ||
          b.covariance.comoment.size() != d * d) {
        return bad("covariance sizes");
      }
    }
    return b;
  } catch (const json::exception& e) {
    return bad(std::string("malformed: ") + e.what());
  }
}

}  // namespace augur::drift
