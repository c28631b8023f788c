// No shell-outs: nothing in src/ or include/ runs a command line through a shell. system(),
// std::system, popen() and wordexp() (which runs /bin/sh for `$(...)`) are never allowed;
// every exec*() / posix_spawn*() call must run a program directly and be listed below with why.
// Fails naming file:line. The rule is in docs/reliability.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace augur {
namespace {

namespace fs = std::filesystem;

// The program executions there are, none of them a shell: file -> calls expected in it.
struct Allowed {
  const char* file;
  const char* call;
  int count;
  const char* why;
};
constexpr Allowed kAllowed[] = {
    {"src/demo/demo.cpp", "execv", 1,
     "augurd --demo re-executes augurd itself (/proc/self/exe) as the daemon under test"},
    {"src/replay/plots.cpp", "posix_spawnp", 1,
     "augur-replay --plot runs gnuplot with an argv (program, script file), no shell"},
};

// The source with comments and the contents of string and character literals blanked (newlines
// kept, so offsets map to the same lines): a call is code, not a word in a comment or a message.
std::string code_only(const std::string& s) {
  std::string out = s;
  enum { kCode, kLine, kBlock, kString, kChar, kRaw } state = kCode;
  std::string raw_end;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    auto blank = [&](std::size_t k) {
      if (out[k] != '\n') out[k] = ' ';
    };
    switch (state) {
      case kCode:
        if (c == '/' && next == '/') {
          state = kLine;
          blank(i);
        } else if (c == '/' && next == '*') {
          state = kBlock;
          blank(i);
          blank(++i);
        } else if (c == 'R' && next == '"' &&
                   (i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1])))) {
          const std::size_t open = s.find('(', i + 2);
          if (open == std::string::npos) break;
          raw_end = ")" + s.substr(i + 2, open - i - 2) + "\"";
          state = kRaw;
          i = open;
        } else if (c == '"') {
          state = kString;
        } else if (c == '\'' && !(i > 0 && std::isxdigit(static_cast<unsigned char>(s[i - 1])))) {
          state = kChar;  // not a digit separator (1'000)
        }
        break;
      case kLine:
        if (c == '\n')
          state = kCode;
        else
          blank(i);
        break;
      case kBlock:
        blank(i);
        if (c == '*' && next == '/') {
          blank(++i);
          state = kCode;
        }
        break;
      case kString:
      case kChar:
        if (c == '\\') {
          blank(i);
          if (i + 1 < s.size()) blank(++i);
        } else if ((state == kString && c == '"') || (state == kChar && c == '\'')) {
          state = kCode;
        } else {
          blank(i);
        }
        break;
      case kRaw:
        if (s.compare(i, raw_end.size(), raw_end) == 0) {
          i += raw_end.size() - 1;
          state = kCode;
        } else {
          blank(i);
        }
        break;
    }
  }
  return out;
}

int line_of(const std::string& s, std::size_t offset) {
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(offset), '\n'));
}

// A call of one of these names: not a member (x.system(), p->execv()), not part of a longer
// name (posix_spawn_file_actions_init), optionally qualified with :: or std::.
const std::regex& call_regex() {
  static const std::regex kCall(
      R"((^|[^\w.>:])(?:::|std::)?(system|popen|wordexp|execl|execle|execlp|execv|execve|execvp|)"
      R"(execvpe|execveat|fexecve|posix_spawn|posix_spawnp)\s*\()");
  return kCall;
}

// (name, offset) of every call in `code` (already through code_only).
std::vector<std::pair<std::string, std::size_t>> find_calls(const std::string& code) {
  std::vector<std::pair<std::string, std::size_t>> calls;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), call_regex());
       it != std::sregex_iterator(); ++it) {
    calls.emplace_back((*it)[2].str(), static_cast<std::size_t>(it->position(2)));
  }
  return calls;
}

struct Finding {
  std::string where;  // file:line
  std::string call;
  std::string text;  // the statement, up to its ';'
};

std::vector<Finding> scan(const fs::path& root,
                          std::map<std::string, std::map<std::string, int>>* calls) {
  std::vector<Finding> found;
  for (const char* top : {"src", "include"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() ||
          (ext != ".cpp" && ext != ".cc" && ext != ".h" && ext != ".hpp" && ext != ".in")) {
        continue;
      }
      std::ifstream in(entry.path());
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string source = ss.str();
      const std::string code = code_only(source);
      const std::string rel = fs::relative(entry.path(), root).string();
      for (const auto& [name, at] : find_calls(code)) {
        const std::size_t end = source.find(';', at);
        Finding f{rel + ":" + std::to_string(line_of(source, at)), name,
                  source.substr(at, end == std::string::npos ? 80 : end - at)};
        (*calls)[rel][f.call]++;
        found.push_back(std::move(f));
      }
    }
  }
  return found;
}

TEST(NoShellOut, TheScannerFindsEachKindOfCall) {
  const std::string sample =
      "// system(\"not a call\")\n"
      "auto s = \"popen(\";\n"
      "int a = std::system(\"ls\");\n"
      "FILE* f = popen(cmd, \"r\");\n"
      "execl(\"/bin/sh\", \"sh\", \"-c\", cmd, nullptr);\n"
      "posix_spawn_file_actions_init(&fa);\n"
      "obj.system(1); ptr->execv(x); run_system(1);\n"
      "  ::wordexp(words, &we, 0);\n";
  const std::string code = code_only(sample);
  EXPECT_EQ(code.find("not a call"), std::string::npos);
  EXPECT_EQ(code.find("popen(\""), std::string::npos);
  std::vector<std::string> names;
  for (const auto& [name, at] : find_calls(code)) {
    names.push_back(name + "@" + std::to_string(line_of(code, at)));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"system@3", "popen@4", "execl@5", "wordexp@8"}));
}

TEST(NoShellOut, NothingInSrcOrIncludeRunsAShell) {
  std::map<std::string, std::map<std::string, int>> calls;
  const std::vector<Finding> found = scan(AUGUR_SOURCE_DIR, &calls);
  static const std::regex kShell(R"re("(/bin/|/usr/bin/)?(sh|bash|dash|zsh)"|"-c")re");
  for (const Finding& f : found) {
    std::cout << "  " << f.where << ": " << f.call << "\n";
    if (f.call == "system" || f.call == "popen" || f.call == "wordexp") {
      ADD_FAILURE() << f.where << ": " << f.call << "() runs a shell: " << f.text;
    } else if (std::regex_search(f.text, kShell)) {
      ADD_FAILURE() << f.where << ": " << f.call << "() of a shell: " << f.text;
    }
  }
  // Every program execution is one of the known ones; a new one must be added here, with why.
  std::map<std::string, std::map<std::string, int>> allowed;
  for (const Allowed& a : kAllowed) allowed[a.file][a.call] = a.count;
  for (const Finding& f : found) {
    const std::string file = f.where.substr(0, f.where.rfind(':'));
    if (f.call == "system" || f.call == "popen" || f.call == "wordexp") continue;
    if (calls[file][f.call] != allowed[file][f.call]) {
      ADD_FAILURE() << f.where << ": " << f.call << "() is not one of the program executions "
                    << "listed in tests/reliability/no_shell_out_test.cpp ("
                    << allowed[file][f.call] << " allowed in this file, " << calls[file][f.call]
                    << " found)";
    }
  }
  for (const Allowed& a : kAllowed) {
    EXPECT_EQ(calls[a.file][a.call], a.count) << a.file << ": " << a.call << " (" << a.why << ")";
  }
  std::cout << "scanned src/ and include/: " << found.size() << " program execution(s), no shell\n";
}

}  // namespace
}  // namespace augur
