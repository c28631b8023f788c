#include "live_view.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace augur::demo {

namespace {

constexpr std::size_t kEventsKept = 100;
constexpr const char* kHome = "\x1b[H";          // cursor to the top left
constexpr const char* kClearLine = "\x1b[K";     // the rest of the line
constexpr const char* kClearBelow = "\x1b[J";    // the rest of the screen
constexpr const char* kClearScreen = "\x1b[2J";  // all of it (the first frame)

// "a | b | c" -> {"a", "b", "c"}, each without surrounding blanks.
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t bar = line.find(" | ", at);
    std::string field = line.substr(at, bar == std::string::npos ? std::string::npos : bar - at);
    const auto first = field.find_first_not_of(' ');
    const auto last = field.find_last_not_of(' ');
    out.push_back(first == std::string::npos ? std::string()
                                             : field.substr(first, last - first + 1));
    if (bar == std::string::npos) return out;
    at = bar + 3;
  }
}

std::string cut(const std::string& line, std::size_t columns) {
  return line.size() < columns ? line : line.substr(0, columns > 0 ? columns - 1 : 0);
}

}  // namespace

LiveView::Mode LiveView::mode_for(std::FILE* out) {
  const char* term = std::getenv("TERM");
  const bool terminal = ::isatty(::fileno(out)) != 0;
  return terminal && term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0
             ? Mode::kScreen
             : Mode::kLines;
}

LiveView::LiveView(std::FILE* out, Mode mode) : out_(out), mode_(mode) {}

void LiveView::event(const std::string& line) {
  if (mode_ == Mode::kLines) {
    std::fprintf(out_, "%s\n", line.c_str());
    return;
  }
  events_.push_back(line);
  if (events_.size() > kEventsKept) events_.pop_front();
}

void LiveView::state(const std::string& title, const std::vector<std::string>& comparisons) {
  if (mode_ == Mode::kLines) {
    // The comparisons one under the other, after the title.
    for (std::size_t i = 0; i < comparisons.size(); ++i) {
      const std::string head = i == 0 ? title : std::string(title.size(), ' ');
      std::fprintf(out_, "%s | %s\n", head.c_str(), comparisons[i].c_str());
    }
    return;
  }
  if (title_.empty()) std::fputs(kClearScreen, out_);
  title_ = title;
  comparisons_ = comparisons;
  redraw();
}

void LiveView::finish() {
  if (mode_ == Mode::kScreen && !title_.empty()) std::fputs("\n", out_);
  std::fflush(out_);
}

void LiveView::redraw() {
  winsize size{};
  std::size_t columns = 100;
  std::size_t rows = 40;
  if (::ioctl(::fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && size.ws_row > 0) {
    columns = size.ws_col;
    rows = size.ws_row;
  }
  std::fputs(frame(title_, comparisons_, events_, columns, rows).c_str(), out_);
  std::fflush(out_);
}

std::string LiveView::frame(const std::string& title, const std::vector<std::string>& comparisons,
                            const std::deque<std::string>& events, std::size_t columns,
                            std::size_t rows) {
  // Each comparison is a column: its first field heads it, one copy a row under it.
  std::vector<std::vector<std::string>> cols;
  std::size_t height = 0;
  for (const std::string& line : comparisons) {
    cols.push_back(fields_of(line));
    for (std::size_t r = 1; r < cols.back().size(); ++r) cols.back()[r] = "  " + cols.back()[r];
    height = std::max(height, cols.back().size());
  }
  std::vector<std::size_t> widths;
  for (const auto& c : cols) {
    std::size_t w = 0;
    for (const std::string& f : c) w = std::max(w, f.size());
    widths.push_back(w);
  }
  std::vector<std::string> screen;
  screen.push_back(
      "augurd --demo (Ctrl-C stops it and cleans up); each second, per copy: web "
      "cores used/quota and share of periods throttled, db MiB used/limit and "
      "re-read from disk");
  screen.push_back(title);
  for (std::size_t r = 0; r < height; ++r) {
    std::string row;
    for (std::size_t c = 0; c < cols.size(); ++c) {
      std::string cell = r < cols[c].size() ? cols[c][r] : std::string();
      if (c + 1 < cols.size()) cell.resize(widths[c] + 4, ' ');
      row += cell;
    }
    screen.push_back(row);
  }
  screen.emplace_back();
  screen.push_back("latest events (Augur's decisions as its log records them):");
  // What fits under the state, the newest last; at least a few.
  const std::size_t room = rows > screen.size() + 1 ? rows - screen.size() - 1 : 3;
  const std::size_t shown = std::min(events.size(), std::max<std::size_t>(room, 3));
  for (std::size_t i = events.size() - shown; i < events.size(); ++i) screen.push_back(events[i]);

  std::string out = kHome;
  for (const std::string& line : screen) out += cut(line, columns) + kClearLine + "\n";
  out += kClearBelow;
  return out;
}

}  // namespace augur::demo
