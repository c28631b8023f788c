#include "augur/host/pressure.h"

#include <algorithm>
#include <array>

#include "text.h"

namespace augur::host {

namespace {
Result<PressureLine> parse_line(const std::vector<std::string_view>& f, std::string_view line,
                                std::string_view where) {
  PressureLine out;
  struct Average {
    std::string_view key;
    double* value;
    bool seen;
  };
  std::array<Average, 3> averages{
      {{"avg10", &out.avg10, false}, {"avg60", &out.avg60, false}, {"avg300", &out.avg300, false}}};
  bool total = false;
  for (std::size_t i = 1; i < f.size(); ++i) {
    const auto kv = text::key_value(f[i]);
    if (!kv) return text::parse_error("malformed pressure line " + text::quote(line), where);
    const auto [key, value] = *kv;
    if (key == "total") {
      const auto v = text::to_u64(value);
      if (!v) return text::parse_error("malformed pressure total " + text::quote(line), where);
      out.total_usec = *v;
      total = true;
      continue;
    }
    for (auto& a : averages) {
      if (a.key != key) continue;
      const auto v = text::to_double(value);
      if (!v) return text::parse_error("malformed pressure average " + text::quote(line), where);
      *a.value = *v;
      a.seen = true;
    }
    // other keys: a future kernel's addition, ignored
  }
  const bool all_averages =
      std::all_of(averages.begin(), averages.end(), [](const Average& a) { return a.seen; });
  if (!all_averages || !total) {
    return text::parse_error("incomplete pressure line " + text::quote(line), where);
  }
  return out;
}
}  // namespace

Result<Pressure> parse_pressure(std::string_view text, std::string_view where) {
  Pressure out;
  bool some = false;
  for (const auto line : text::lines(text)) {
    const auto f = text::fields(line);
    if (f[0] != "some" && f[0] != "full") {
      return text::parse_error("unknown pressure line " + text::quote(line), where);
    }
    auto parsed = parse_line(f, line, where);
    if (!parsed) return std::move(parsed).error();
    if (f[0] == "some") {
      out.some = *parsed;
      some = true;
    } else {
      out.full = *parsed;
    }
  }
  if (!some) return text::parse_error("no 'some' line in pressure file", where);
  return out;
}

}  // namespace augur::host
