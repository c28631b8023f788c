#pragma once
// What the demo shows while it runs. On a terminal, a screen redrawn in place each second:
// the state of every copy (one column per comparison, one row per copy) and under it Augur's
// latest decisions and the other events. Anywhere else (a pipe, a file, the tests) the same as
// lines: the state each second on one line per comparison, every event as it happens.
#include <cstddef>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

namespace augur::demo {

class LiveView {
 public:
  enum class Mode { kLines, kScreen };

  // kScreen when `out` is a terminal that understands cursor movement (TERM set, not "dumb").
  [[nodiscard]] static Mode mode_for(std::FILE* out);

  LiveView(std::FILE* out, Mode mode);

  // An event ("  74.0s    Augur: applied: web cpu 0.2 -> 0.3 (...)"): printed at once as a
  // line, or kept among the latest ones the screen shows.
  void event(const std::string& line);
  // The state of the copies: a title (the time, the round, the host) and one line per
  // comparison, its fields separated by " | " (what the copies are asked for, then one field
  // per copy). Printed as lines (the title before the first), or redrawn as the screen's
  // columns.
  void state(const std::string& title, const std::vector<std::string>& comparisons);
  // After the run: a screen leaves its last frame and moves below it.
  void finish();

  // The screen at `columns` x `rows` (the terminal's size): pure, for the tests. Lines longer
  // than the width are cut; the oldest events go first when the height is short.
  [[nodiscard]] static std::string frame(const std::string& title,
                                         const std::vector<std::string>& comparisons,
                                         const std::deque<std::string>& events, std::size_t columns,
                                         std::size_t rows);

  [[nodiscard]] Mode mode() const { return mode_; }

 private:
  void redraw();

  std::FILE* out_;
  Mode mode_;
  std::string title_;
  std::vector<std::string> comparisons_;
  std::deque<std::string> events_;  // the latest, oldest first
};

}  // namespace augur::demo
