// The man pages render without a single groff or man warning, and they are accurate to the
// code: every option and verb the binaries' own --help lists, every exit code their headers
// define and every key of config/augur.yaml is documented. docs/metrics.md lists every
// metric family with its type and labels.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "augur/ctl/augurctl.h"
#include "augur/daemon/command_line.h"
#include "augur/metrics/augur_families.h"
#include "spawn.h"

namespace augur::ops_test {
namespace {

const std::string kManDir = AUGUR_SOURCE_DIR "/docs/man/";
const std::vector<std::string> kPages = {"augurd.8", "augurctl.8", "augur.yaml.5"};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The page's source with roff's escaped minus made plain, for searching option names.
std::string page_text(const std::string& page) {
  std::string s = read_file(kManDir + page);
  for (auto at = s.find("\\-"); at != std::string::npos; at = s.find("\\-", at)) s.erase(at, 1);
  return s;
}

// The part of a page from ".SH title" to the next ".SH".
std::string section(const std::string& text, const std::string& title) {
  const auto start = text.find("\n.SH " + title + "\n");
  if (start == std::string::npos) return "";
  const auto end = text.find("\n.SH ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Long and short options (--name, -x) in a --help text.
std::set<std::string> options_in(const std::string& help) {
  std::set<std::string> out;
  static const std::regex kOption(R"((^|[\s,])(--?[a-zA-Z][a-zA-Z0-9-]*))");
  for (std::sregex_iterator it(help.begin(), help.end(), kOption), end; it != end; ++it) {
    out.insert((*it)[2]);
  }
  return out;
}

TEST(ManPages, RenderWithoutWarnings) {
  const auto groff = find_program("groff");
  ASSERT_TRUE(groff) << "groff is missing (Debian package groff-base, pulled in by man-db)";
  for (const std::string& page : kPages) {
    const auto checked = spawn({*groff, "-ww", "-z", "-man", "-Tutf8", kManDir + page});
    EXPECT_EQ(checked.exit_code, 0) << page << checked.err;
    EXPECT_EQ(checked.err, "") << page;
  }
  const auto man = find_program("man");
  ASSERT_TRUE(man) << "man is missing (Debian package man-db)";
  for (const std::string& page : kPages) {
    SpawnOptions o;
    o.env = {"MANWIDTH=80", "LC_ALL=C.UTF-8"};
    const auto rendered = spawn({*man, "--warnings", "-l", kManDir + page}, o);
    EXPECT_EQ(rendered.exit_code, 0) << page << rendered.err;
    EXPECT_EQ(rendered.err, "") << page;
    EXPECT_GT(rendered.out.size(), 1000u) << page;
    EXPECT_NE(rendered.out.find("NAME"), std::string::npos) << page;
    EXPECT_NE(rendered.out.find("SEE ALSO"), std::string::npos) << page;
  }
}

TEST(ManPages, AugurdPageMatchesTheCommandLine) {
  const auto help = spawn({AUGUR_AUGURD_PATH, "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  const std::set<std::string> options = options_in(help.out);
  ASSERT_TRUE(options.contains("--check-config")) << help.out;
  const std::string text = page_text("augurd.8");
  const std::string described = section(text, "OPTIONS");
  for (const std::string& option : options) {
    EXPECT_NE(described.find(option), std::string::npos) << option << " is not in OPTIONS";
  }
  EXPECT_NE(text.find("/etc/augur/augur.yaml"), std::string::npos) << "the default config";
  const std::string exit_status = section(text, "EXIT STATUS");
  for (int code :
       {daemon::kExitOk, daemon::kExitUsage, daemon::kExitSoftware, daemon::kExitOsError,
        daemon::kExitCantCreate, daemon::kExitTempFail, daemon::kExitNoPerm, daemon::kExitConfig}) {
    EXPECT_NE(exit_status.find("\n.B " + std::to_string(code) + "\n"), std::string::npos)
        << "exit status " << code;
  }
}

TEST(ManPages, AugurctlPageMatchesTheCommandLine) {
  const auto help = spawn({AUGUR_AUGURCTL_PATH, "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  const std::string text = page_text("augurctl.8");
  const std::string options = section(text, "OPTIONS");
  for (const std::string& option : options_in(help.out)) {
    EXPECT_NE(options.find(option), std::string::npos) << option << " is not in OPTIONS";
  }
  // CLI11 lists the verbs under "Subcommands:" (upper case in older versions), one per
  // line: name, then description.
  auto listed = help.out.find("Subcommands:");
  if (listed == std::string::npos) listed = help.out.find("SUBCOMMANDS:");
  ASSERT_NE(listed, std::string::npos) << help.out;
  std::istringstream lines(help.out.substr(listed));
  std::string line;
  std::getline(lines, line);
  std::vector<std::string> verbs;
  static const std::regex kVerb(R"(^\s+([a-z][a-z-]*)\s)");
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kVerb)) verbs.push_back(m[1]);
  }
  ASSERT_GE(verbs.size(), 9u) << help.out;
  const std::string commands = section(text, "COMMANDS");
  for (const std::string& verb : verbs) {
    const std::regex documented("\n\\.B[IR]? " + verb + "( |\n)");
    EXPECT_TRUE(std::regex_search(commands, documented)) << verb << " is not in COMMANDS";
    // Each verb's own options are documented too.
    const auto verb_help = spawn({AUGUR_AUGURCTL_PATH, verb, "--help"});
    ASSERT_EQ(verb_help.exit_code, 0) << verb << verb_help.err;
    for (const std::string& option : options_in(verb_help.out)) {
      EXPECT_NE(text.find(option), std::string::npos) << verb << " " << option;
    }
  }
  const std::string exit_status = section(text, "EXIT STATUS");
  for (int code : {0, ctl::kExitRefused, ctl::kExitUsage, ctl::kExitUnavailable, ctl::kExitSoftware,
                   ctl::kExitNoPermission}) {
    EXPECT_NE(exit_status.find("\n.B " + std::to_string(code) + "\n"), std::string::npos)
        << "exit status " << code;
  }
}

// Every key path of the shipped config ("discovery.libvirt.uri") as (section, key).
void collect_keys(const YAML::Node& node, const std::string& path,
                  std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (entry.second.IsMap()) {
      collect_keys(entry.second, path.empty() ? key : path + "." + key, out);
    } else {
      out.emplace_back(path, key);
    }
  }
}

TEST(ManPages, AugurYamlPageDescribesEveryKeyUnderItsSection) {
  const YAML::Node config = YAML::LoadFile(AUGUR_SOURCE_DIR "/config/augur.yaml");
  std::vector<std::pair<std::string, std::string>> keys;
  collect_keys(config, "", keys);
  ASSERT_GT(keys.size(), 60u);
  const std::string text = page_text("augur.yaml.5");
  // Subsections by their names: ".SS plan" or ".SS "plan.cpu, plan.memory, ..."".
  std::map<std::string, std::string> subsections;
  static const std::regex kSubsection("\n\\.SS \"?([^\"\n]+)\"?\n");
  std::vector<std::pair<std::size_t, std::vector<std::string>>> starts;
  for (std::sregex_iterator it(text.begin(), text.end(), kSubsection), end; it != end; ++it) {
    std::vector<std::string> names;
    std::istringstream list((*it)[1].str());
    std::string name;
    while (std::getline(list >> std::ws, name, ',')) names.push_back(name);
    starts.emplace_back(static_cast<std::size_t>(it->position()), names);
  }
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1].first : text.size();
    for (const std::string& name : starts[i].second) {
      subsections[name] += text.substr(starts[i].first, end - starts[i].first);
    }
  }
  for (const auto& [path, key] : keys) {
    if (subsections.contains(path + "." + key)) continue;  // a list with its own subsection
    ASSERT_TRUE(subsections.contains(path)) << "no subsection " << path;
    EXPECT_NE(subsections[path].find("\n.B " + key + "\n"), std::string::npos)
        << path << "." << key << " is not described";
  }
}

TEST(MetricsDoc, ListsEveryFamilyWithItsTypeAndLabels) {
  const std::string doc = read_file(AUGUR_SOURCE_DIR "/docs/metrics.md");
  ASSERT_FALSE(doc.empty());
  for (const metrics::FamilySpec& family : metrics::augur_families()) {
    const auto row = doc.find("\n| `" + family.name + "` | ");
    ASSERT_NE(row, std::string::npos) << family.name << " has no row";
    const std::string line = doc.substr(row + 1, doc.find('\n', row + 1) - row - 1);
    const char* type = family.type == metrics::MetricType::kCounter ? "counter"
                       : family.type == metrics::MetricType::kGauge ? "gauge"
                                                                    : "histogram";
    EXPECT_NE(line.find(std::string("| ") + type + " |"), std::string::npos) << line;
    for (const std::string& label : family.label_names) {
      EXPECT_NE(line.find("`" + label + "`"), std::string::npos) << line;
    }
  }
}

}  // namespace
}  // namespace augur::ops_test
