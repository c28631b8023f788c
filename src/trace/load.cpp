#include "augur/trace/load.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <set>
#include <system_error>

#ifdef AUGUR_HAVE_ZLIB
#include <zlib.h>
#else
#include <fstream>
#include <sstream>
#endif

namespace augur::trace {

namespace fs = std::filesystem;

std::optional<TraceFormat> format_from_name(std::string_view name) {
  if (name == "augur-csv") return TraceFormat::kAugurCsv;
  if (name == "bitbrains") return TraceFormat::kBitbrains;
  if (name == "alibaba-machine") return TraceFormat::kAlibabaMachine;
  if (name == "aggregate") return TraceFormat::kAggregate;
  return std::nullopt;
}

std::string_view format_name(TraceFormat format) {
  switch (format) {
    case TraceFormat::kAugurCsv: return "augur-csv";
    case TraceFormat::kBitbrains: return "bitbrains";
    case TraceFormat::kAlibabaMachine: return "alibaba-machine";
    case TraceFormat::kAggregate: return "aggregate";
  }
  return "unknown";
}

Result<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Error{"is a directory, not a file", path, EISDIR};
#ifdef AUGUR_HAVE_ZLIB
  // gzread passes plain files through unchanged, so one path serves both.
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return errno_error("cannot open trace file", path);
  std::string out;
  std::array<char, 1 << 16> buf{};
  while (true) {
    int n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int zerr = 0;
      std::string msg = gzerror(gz, &zerr);
      gzclose(gz);
      return Error{"cannot read trace file (" + msg + ")", path};
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  gzclose(gz);
  return out;
#else
  if (path.size() > 3 && path.substr(path.size() - 3) == ".gz") {
    return Error{"gzip traces need zlib (built without it)", path};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error("cannot open trace file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
#endif
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_csv(const fs::path& p) {
  const std::string name = p.filename().string();
  return ends_with(name, ".csv") || ends_with(name, ".csv.gz");
}

std::string csv_stem(const fs::path& p) {
  std::string name = p.filename().string();
  for (std::string_view ext : {".gz", ".csv"}) {
    if (ends_with(name, ext)) name.resize(name.size() - ext.size());
  }
  return name;
}

Result<Trace> parse_one(const std::string& path, TraceFormat format) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  switch (format) {
    case TraceFormat::kAugurCsv: return parse_augur_csv(*text, path);
    case TraceFormat::kBitbrains: return parse_bitbrains(*text, csv_stem(path), path);
    case TraceFormat::kAggregate: return parse_aggregate(*text, path);
    case TraceFormat::kAlibabaMachine: break;
  }
  return Error{"internal: parse_one called for alibaba-machine", path};
}

Result<Trace> load_alibaba(const std::string& path, const AlibabaOptions& options) {
  std::error_code ec;
  fs::path usage = path;
  if (fs::is_directory(usage, ec)) usage /= "machine_usage.csv";
  const fs::path meta = usage.parent_path() / "machine_meta.csv";
  auto usage_text = read_text_file(usage.string());
  if (!usage_text) return usage_text.error();
  std::string meta_text;
  if (fs::exists(meta, ec)) {
    auto m = read_text_file(meta.string());
    if (!m) return m.error();
    meta_text = std::move(*m);
  }
  return parse_alibaba_machine(*usage_text, meta_text, usage.string(), options);
}

}  // namespace

Result<Trace> load_trace(const std::string& path, TraceFormat format,
                         const AlibabaOptions& alibaba) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error{"trace not found", path, ENOENT};
  if (format == TraceFormat::kAlibabaMachine) {
    auto t = load_alibaba(path, alibaba);
    if (t) t->path = path;
    return t;
  }
  if (!fs::is_directory(path, ec)) {
    auto t = parse_one(path, format);
    if (t) t->path = path;
    return t;
  }
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(path, ec)) entries.push_back(e.path());
  if (ec) return Error{"cannot list trace folder", path, ec.value()};
  std::sort(entries.begin(), entries.end());
  Trace trace;
  trace.format = std::string(format_name(format));
  trace.path = path;
  std::set<std::string> ids;
  for (const auto& p : entries) {
    if (fs::is_directory(p, ec) || !is_csv(p)) {
      trace.report.skipped_files.push_back(p.string() + ": not a .csv or .csv.gz file");
      continue;
    }
    auto part = parse_one(p.string(), format);
    if (!part) {
      trace.report.skipped_files.push_back(p.string() + ": " + part.error().message());
      continue;
    }
    trace.report.merge(part->report);
    for (auto& inst : part->instances) {
      if (!ids.insert(inst.id).second) {
        return Error{"instance '" + inst.id + "' appears in two files of the folder", p.string()};
      }
      trace.instances.push_back(std::move(inst));
    }
  }
  if (trace.instances.empty()) return Error{"no instance could be read from the folder", path};
  return trace;
}

}  // namespace augur::trace
