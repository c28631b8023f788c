#include "exposition_checker.h"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

namespace augur::ops_test {

namespace {

bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

bool metric_name(std::string_view s) {
  if (s.empty() || !(name_start(s[0]) || s[0] == ':')) return false;
  for (char c : s) {
    if (!name_char(c) && c != ':') return false;
  }
  return true;
}

bool label_name(std::string_view s) {
  if (s.empty() || !name_start(s[0]) || s.substr(0, 2) == "__") return false;
  for (char c : s) {
    if (!name_char(c)) return false;
  }
  return true;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return false;
    }
    if (i + len > s.size() || b(i + 1) < lo || b(i + 1) > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

// A float as Go's strconv.ParseFloat reads it in decimal, or NaN / [+-]Inf.
bool parse_float(const std::string& s, double& out) {
  static const std::regex kDecimal(R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  if (s == "NaN") {
    out = std::nan("");
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    out = INFINITY;
    return true;
  }
  if (s == "-Inf") {
    out = -INFINITY;
    return true;
  }
  if (!std::regex_match(s, kDecimal)) return false;
  out = std::strtod(s.c_str(), nullptr);
  return true;
}

// Unescapes a HELP text (\\ and \n) or a label value (also \"); false on any other escape.
bool unescape(std::string_view in, bool quotes, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case '"':
        if (!quotes) return false;
        out += '"';
        break;
      default: return false;
    }
  }
  return true;
}

struct Checker {
  CheckResult result;
  std::size_t line_no = 0;
  std::string current_family;
  std::set<std::string> finished_families;
  std::set<std::string> families_with_samples;
  std::set<std::string> series_seen;

  void error(const std::string& why) {
    result.errors.push_back("line " + std::to_string(line_no) + ": " + why);
  }

  void enter_family(const std::string& family) {
    if (family == current_family) return;
    if (finished_families.contains(family)) {
      error("samples or metadata of family " + family + " are not contiguous");
    }
    if (!current_family.empty()) finished_families.insert(current_family);
    current_family = family;
  }

  std::string family_of(const std::string& sample_name) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (sample_name.size() <= suffix.size() || !sample_name.ends_with(suffix)) continue;
      const std::string base = sample_name.substr(0, sample_name.size() - suffix.size());
      auto it = result.families.find(base);
      if (it == result.families.end()) continue;
      if (it->second.type == "histogram") return base;
      if (it->second.type == "summary" && suffix != "_bucket") return base;
    }
    return sample_name;
  }

  void metadata(std::string_view line) {
    // "# HELP name text", "# TYPE name type"; any other "#" line is a comment.
    const bool help = line.starts_with("# HELP ");
    const bool type = line.starts_with("# TYPE ");
    if (!help && !type) return;
    std::string_view rest = line.substr(7);
    const auto sp = rest.find(' ');
    const std::string name(rest.substr(0, sp));
    if (!metric_name(name)) {
      error("invalid metric name in metadata: '" + name + "'");
      return;
    }
    const std::string_view text = sp == std::string_view::npos ? "" : rest.substr(sp + 1);
    enter_family(name);
    ParsedFamily& family = result.families[name];
    if (help) {
      if (family.has_help) error("second HELP line for " + name);
      if (!unescape(text, false, family.help)) error("invalid escape in HELP of " + name);
      family.has_help = true;
      return;
    }
    if (family.has_type) error("second TYPE line for " + name);
    if (families_with_samples.contains(name)) error("TYPE line for " + name + " after samples");
    static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram", "summary",
                                                      "untyped"};
    if (!kTypes.contains(text)) error("unknown type '" + std::string(text) + "' for " + name);
    family.type = std::string(text);
    family.has_type = true;
  }

  void sample(std::string_view line) {
    ParsedSample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = std::string(line.substr(0, i));
    if (!metric_name(s.name)) {
      error("invalid metric name '" + s.name + "'");
      return;
    }
    if (i < line.size() && line[i] == '{') {
      ++i;
      for (;;) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        std::size_t eq = line.find('=', i);
        if (eq == std::string_view::npos) {
          error("label without '='");
          return;
        }
        const std::string name(line.substr(i, eq - i));
        if (!label_name(name)) error("invalid label name '" + name + "'");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') {
          error("label value of " + name + " is not quoted");
          return;
        }
        std::size_t j = eq + 2;
        while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
        if (j >= line.size()) {
          error("unterminated label value of " + name);
          return;
        }
        std::string value;
        if (!unescape(line.substr(eq + 2, j - eq - 2), true, value)) {
          error("invalid escape in label value of " + name);
        }
        if (!s.labels.emplace(name, value).second) error("duplicate label " + name);
        i = j + 1;
        if (i < line.size() && line[i] == ',') {
          ++i;
        } else if (i >= line.size() || line[i] != '}') {
          error("expected ',' or '}' after label " + name);
          return;
        }
      }
    }
    if (i >= line.size() || line[i] != ' ') {
      error("expected one space before the value of " + s.name);
      return;
    }
    const std::string_view tail = line.substr(i + 1);
    const auto sp = tail.find(' ');
    const std::string value(tail.substr(0, sp));
    if (!parse_float(value, s.value)) error("invalid value '" + value + "' for " + s.name);
    if (sp != std::string_view::npos) {
      static const std::regex kTimestamp(R"(-?[0-9]+)");
      if (!std::regex_match(std::string(tail.substr(sp + 1)), kTimestamp)) {
        error("invalid timestamp after " + s.name);
      }
    }

    const std::string family = family_of(s.name);
    enter_family(family);
    families_with_samples.insert(family);
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += '\x1f' + k + '\x1e' + v;
    if (!series_seen.insert(key).second) error("duplicate series " + s.name);
    const std::string& type = result.families[family].type;
    if (type == "counter") {
      if (s.name != family) error("counter sample " + s.name + " has a suffix");
      if (std::isnan(s.value) || s.value < 0) error("counter " + s.name + " is negative or NaN");
    }
    result.samples.push_back(std::move(s));
  }

  void check_histograms() {
    struct Series {
      std::vector<std::pair<double, double>> buckets;  // le, cumulative count
      bool has_sum = false;
      bool has_count = false;
      double count = 0;
    };
    std::map<std::string, std::map<std::map<std::string, std::string>, Series>> histograms;
    for (const ParsedSample& s : result.samples) {
      const std::string family = family_of(s.name);
      if (result.families[family].type != "histogram") continue;
      std::map<std::string, std::string> labels = s.labels;
      const auto le = labels.find("le");
      const bool has_le = le != labels.end();
      std::string le_text = has_le ? le->second : "";
      if (has_le) labels.erase(le);
      Series& series = histograms[family][labels];
      if (s.name == family + "_bucket") {
        double bound = 0;
        if (!has_le || !parse_float(le_text, bound) || std::isnan(bound)) {
          result.errors.push_back(family + ": bucket without a valid le");
          continue;
        }
        series.buckets.emplace_back(bound, s.value);
      } else if (s.name == family + "_sum") {
        if (has_le) result.errors.push_back(family + "_sum has an le label");
        series.has_sum = true;
      } else if (s.name == family + "_count") {
        if (has_le) result.errors.push_back(family + "_count has an le label");
        series.has_count = true;
        series.count = s.value;
      } else {
        result.errors.push_back("histogram " + family + " has a bare sample " + s.name);
      }
    }
    for (const auto& [family, all] : histograms) {
      for (const auto& [labels, series] : all) {
        const std::string where = "histogram " + family + ": ";
        if (!series.has_sum) result.errors.push_back(where + "no _sum");
        if (!series.has_count) result.errors.push_back(where + "no _count");
        if (series.buckets.empty() || !std::isinf(series.buckets.back().first)) {
          result.errors.push_back(where + "no le=\"+Inf\" bucket last");
          continue;
        }
        for (std::size_t k = 1; k < series.buckets.size(); ++k) {
          if (!(series.buckets[k].first > series.buckets[k - 1].first)) {
            result.errors.push_back(where + "bucket bounds do not increase");
          }
          if (series.buckets[k].second < series.buckets[k - 1].second) {
            result.errors.push_back(where + "bucket counts are not cumulative");
          }
        }
        if (series.has_count && series.buckets.back().second != series.count) {
          result.errors.push_back(where + "the +Inf bucket differs from _count");
        }
      }
    }
  }
};

}  // namespace

const ParsedSample* CheckResult::find(std::string_view name,
                                      const std::map<std::string, std::string>& labels) const {
  for (const ParsedSample& s : samples) {
    if (s.name == name && s.labels == labels) return &s;
  }
  return nullptr;
}

std::string CheckResult::joined_errors() const {
  std::string out;
  for (const std::string& e : errors) out += e + "\n";
  return out;
}

CheckResult check_exposition(std::string_view text) {
  Checker c;
  if (!valid_utf8(text)) c.result.errors.push_back("the text is not valid UTF-8");
  if (!text.empty() && text.back() != '\n') c.result.errors.push_back("no final line feed");
  while (!text.empty()) {
    ++c.line_no;
    const auto lf = text.find('\n');
    const std::string_view line = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view{} : text.substr(lf + 1);
    if (line.find('\r') != std::string_view::npos) c.error("carriage return in a line");
    if (line.empty()) continue;
    if (line[0] == '#') {
      c.metadata(line);
    } else {
      c.sample(line);
    }
  }
  c.check_histograms();
  return c.result;
}

}  // namespace augur::ops_test
