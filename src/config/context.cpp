#include "context.h"

#include <algorithm>

namespace augur::config::detail {
namespace {

// Past this many the rest is summarised: a broken 10000-entry list needs a fix, not 10000
// lines of log.
constexpr std::size_t kMaxDiagnostics = 100;
constexpr std::size_t kMaxQuotedLength = 80;

}  // namespace

void Context::error(const YAML::Mark& at, std::string message) {
  if (diagnostics_.size() >= kMaxDiagnostics) {
    ++dropped_;
    return;
  }
  // yaml-cpp marks are 0-based and -1 when unknown; diagnostics are 1-based, 0 when unknown.
  Diagnostic d;
  d.file = file_;
  d.line = at.line < 0 ? 0 : at.line + 1;
  d.column = at.line < 0 || at.column < 0 ? 0 : at.column + 1;
  d.message = std::move(message);
  diagnostics_.push_back(std::move(d));
}

const YAML::Mark* Context::where(const std::string& path) const {
  auto it = set_.find(path);
  return it == set_.end() ? nullptr : &it->second;
}

std::vector<Diagnostic> Context::take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
  if (dropped_ > 0) {
    diagnostics_.push_back(
        Diagnostic{file_, 0, 0,
                   std::to_string(dropped_) + " more errors not shown (fix the ones above first)"});
    dropped_ = 0;
  }
  return std::move(diagnostics_);
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedLength)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (text.size() > kMaxQuotedLength) out += "...";
  return out;
}

std::string quote(std::string_view text) {
  return "'" + printable(text) + "'";
}

}  // namespace augur::config::detail
