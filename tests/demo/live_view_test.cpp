// The demo's live view: lines anywhere but a terminal (what the tests and a pipe see), and on a
// terminal a screen redrawn in place with the copies in columns and the latest events under
// them.
#include "live_view.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

namespace augur::demo {
namespace {

// What the view wrote to a memory stream.
class Captured {
 public:
  Captured() : out_(::open_memstream(&buf_, &size_)) {}
  ~Captured() {
    std::fclose(out_);
    std::free(buf_);
  }
  Captured(const Captured&) = delete;
  Captured& operator=(const Captured&) = delete;
  std::FILE* file() { return out_; }
  std::string text() {
    std::fflush(out_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* out_;
};

const std::string kTitle = "   75s round 3 + 1.0s host  22%";
const std::vector<std::string> kState = {
    "web demand 0.05 | augur 0.08/0.30   0% | static 0.09/0.20   0%",
    "db working set  36 MiB | augur  38/ 69 MiB re-read   0.0 MiB/s"};

TEST(LiveView, AFileOrAPipeGetsLines) {
  Captured out;
  EXPECT_EQ(LiveView::mode_for(out.file()), LiveView::Mode::kLines);
  LiveView view(out.file(), LiveView::Mode::kLines);
  view.event("  74.0s    Augur: applied: web cpu 0.2 -> 0.3 (prediction)");
  view.state(kTitle, kState);
  view.finish();
  EXPECT_EQ(out.text(), "  74.0s    Augur: applied: web cpu 0.2 -> 0.3 (prediction)\n" + kTitle +
                            " | " + kState[0] + "\n" + std::string(kTitle.size(), ' ') + " | " +
                            kState[1] + "\n");
}

TEST(LiveView, AScreenPutsTheCopiesInColumnsAndTheLatestEventsUnder) {
  const std::deque<std::string> events = {"first", "second", "third"};
  const std::string f = LiveView::frame(kTitle, kState, events, 120, 40);
  EXPECT_EQ(f.rfind("\x1b[H", 0), 0U) << "drawn from the top left";
  EXPECT_NE(f.find("\x1b[J"), std::string::npos) << "what was below is cleared";
  EXPECT_NE(f.find(kTitle + "\x1b[K\n"), std::string::npos);
  // The comparisons' heads side by side, then each copy's row (web's augur beside db's
  // augur), the second column at one offset in every row.
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = f.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(f.substr(at, nl - at));
  }
  std::size_t head = 0;
  while (head < lines.size() && lines[head].find("web demand 0.05") != 0) ++head;
  ASSERT_LT(head + 2, lines.size()) << f;
  const std::size_t column = lines[head].find("db working set  36 MiB");
  ASSERT_NE(column, std::string::npos) << f;
  EXPECT_EQ(lines[head + 1].find("  augur 0.08/0.30   0%"), 0U) << f;
  EXPECT_EQ(lines[head + 1].find("  augur  38/ 69 MiB re-read   0.0 MiB/s"), column) << f;
  EXPECT_EQ(lines[head + 2].find("  static 0.09/0.20   0%"), 0U) << f;
  const auto first = f.find("first\x1b[K");
  EXPECT_NE(first, std::string::npos);
  EXPECT_LT(first, f.find("third\x1b[K")) << "oldest first, the newest at the bottom";
}

TEST(LiveView, AShortOrNarrowTerminalKeepsTheNewestEventsAndCutsLongLines) {
  std::deque<std::string> events;
  for (int i = 0; i < 50; ++i) events.push_back("event " + std::to_string(i));
  events.push_back(std::string(300, 'x'));
  const std::string f = LiveView::frame(kTitle, kState, events, 80, 16);
  EXPECT_EQ(f.find("event 0\x1b"), std::string::npos) << "the oldest went first";
  EXPECT_NE(f.find("event 49\x1b"), std::string::npos);
  EXPECT_NE(f.find(std::string(79, 'x') + "\x1b[K"), std::string::npos) << "cut to the width";
  EXPECT_EQ(f.find(std::string(80, 'x')), std::string::npos);
  std::size_t lines = 0;
  for (char c : f) lines += c == '\n' ? 1 : 0;
  EXPECT_LE(lines, 16U) << "the frame fits the terminal's height";
}

}  // namespace
}  // namespace augur::demo
