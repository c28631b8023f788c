// compile_config is fed untrusted and fuzzed text: it must never throw or crash, and every
// failure must come back as diagnostics with sane positions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "augur/config/compiler.h"
#include "config_test_support.h"

namespace augur::config {
namespace {

using testing::compile;
using testing::diagnostics;
using testing::fixture;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Compiles without throwing; a failure carries at least one well-formed diagnostic.
// Returns whether the text compiled.
bool expect_well_behaved(std::string_view text, const std::string& what) {
  CompileResult result = compile("");
  EXPECT_NO_THROW(result = compile(text)) << what;
  if (result) return true;
  EXPECT_FALSE(result.error().empty()) << what;
  for (const Diagnostic& d : result.error()) {
    EXPECT_EQ(d.file, "augur.yaml") << what;
    EXPECT_GE(d.line, 0) << what;
    EXPECT_GE(d.column, 0) << what;
    EXPECT_FALSE(d.message.empty()) << what;
  }
  return false;
}

TEST(ConfigRobustness, EveryInvalidFixtureFailsWithDiagnostics) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixture(""))) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("invalid_")) continue;
    ++seen;
    auto result = load_config_file(entry.path().string());
    ASSERT_FALSE(result) << name;
    for (const Diagnostic& d : result.error()) {
      EXPECT_EQ(d.file, entry.path().string());
      EXPECT_GT(d.line, 0) << name << ": " << d.to_string();
    }
  }
  EXPECT_GE(seen, 10);
}

TEST(ConfigRobustness, EveryPrefixOfEveryFixtureIsHandled) {
  // Truncation cuts through keys, quotes, flow collections and multi-byte sequences.
  for (const auto& entry : std::filesystem::directory_iterator(fixture(""))) {
    const std::string text = read_file(entry.path().string());
    if (text.size() > 4096) continue;  // the deep-nesting fixture: covered on its own
    for (std::size_t n = 0; n <= text.size(); ++n) {
      expect_well_behaved(std::string_view(text).substr(0, n),
                          entry.path().filename().string() + " prefix " + std::to_string(n));
    }
  }
}

TEST(ConfigRobustness, RandomMutationsOfAValidFileAreHandled) {
  const std::string base = read_file(fixture("valid_all_non_default.yaml"));
  const std::string alphabet = ":-[]{},&*!|>'\"#%@`?\t\n 0a\\";
  std::mt19937 rng(20261128);  // fixed seed: a failure reproduces
  int failures = 0;
  for (int round = 0; round < 1000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text.erase(at, 1 + rng() % 8); break;
      }
      if (text.empty()) text = "x";
    }
    failures += expect_well_behaved(text, "round " + std::to_string(round)) ? 0 : 1;
  }
  // Mutations must mostly break the file: the test exercises the error paths.
  EXPECT_GT(failures, 300);
}

TEST(ConfigRobustness, DeepNestingIsASyntaxErrorNotAStackOverflow) {
  const std::string path = fixture("invalid_deep_nesting.yaml");
  auto all = diagnostics(load_config_file(path));
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_THAT(all.front(), HasSubstr(": syntax error: nesting is deeper than 500 levels"));
  expect_well_behaved(std::string(100000, '{'), "100000 open braces");
  expect_well_behaved(std::string(100000, '-'), "100000 dashes");
  std::string blocks;
  for (int i = 0; i < 2000; ++i) blocks += std::string(static_cast<std::size_t>(i), ' ') + "a:\n";
  expect_well_behaved(blocks, "2000 nested block mappings");
}

TEST(ConfigRobustness, AliasBombIsNotExpanded) {
  // 10^10 leaves if expanded; the compiler looks at each node once.
  auto all = diagnostics(load_config_file(fixture("invalid_alias_bomb.yaml")));
  // Ten unknown top-level anchors a0..a9, and the ten elements of sampling.events.
  EXPECT_THAT(all, SizeIs(20));
}

TEST(ConfigRobustness, BinaryGarbageIsHandled) {
  std::string garbage;
  std::mt19937 rng(7);
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>(rng() % 256));
  expect_well_behaved(garbage, "random bytes");
  expect_well_behaved(std::string("daemon:\n  host_id: \"a\\0b\"\n"), "escaped NUL");
  expect_well_behaved(std::string("daemon:\0 {}\n", 12), "raw NUL");
  expect_well_behaved(
      "\xff\xfe"
      "daemon: {}\n",
      "UTF-16 byte order mark");
}

TEST(ConfigRobustness, NulInsideAStringIsRefused) {
  EXPECT_THAT(
      diagnostics(compile("daemon:\n  host_id: \"a\\0b\"\n")),
      ::testing::ElementsAre("augur.yaml:2:12: 'daemon.host_id' must not contain a NUL character"));
}

TEST(ConfigRobustness, HugeValuesAreCutInMessages) {
  const std::string value(1'000'000, 'v');
  auto all = diagnostics(compile("daemon:\n  mode: " + value + "\n"));
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_LT(all.front().size(), 200U);
  EXPECT_THAT(all.front(), HasSubstr("enforce, got 'vvvv"));
  EXPECT_THAT(all.front(), HasSubstr("vvvv...'"));
}

TEST(ConfigRobustness, LongKeysAreReportedWithoutASuggestionSearch) {
  // An explicit key ("? ...") may be longer than YAML's 1024-character implicit keys.
  const std::string key(1'000'000, 'k');
  auto all = diagnostics(compile("daemon:\n  ? " + key + "\n  : 1\n"));
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_LT(all.front().size(), 200U);
  EXPECT_THAT(all.front(), HasSubstr("kkk...' in 'daemon'"));
}

TEST(ConfigRobustness, HugeNumbersAreOutOfRangeNotOverflow) {
  EXPECT_THAT(diagnostics(compile("daemon: {queue_capacity: 99999999999999999999999}\n")),
              SizeIs(1));
  EXPECT_THAT(diagnostics(compile("sampling: {interval: 99999999999999999999d}\n")), SizeIs(1));
  EXPECT_THAT(diagnostics(compile("plan: {memory: {max: 1e308TiB}}\n")), SizeIs(1));
  EXPECT_THAT(diagnostics(compile("plan: {cpu: {max: nan}}\n")), SizeIs(1));
}

TEST(ConfigRobustness, TooLargeFileIsRefusedBeforeParsing) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "augur-config-test-large.yaml").string();
  {
    std::ofstream out(path);
    out << "# " << std::string(5 * 1024 * 1024, 'x') << "\n";
  }
  auto all = diagnostics(load_config_file(path));
  std::filesystem::remove(path);
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_THAT(all.front(), HasSubstr(":0:0: cannot read: file is "));
}

}  // namespace
}  // namespace augur::config
