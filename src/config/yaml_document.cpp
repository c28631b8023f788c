#include "yaml_document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string>

namespace augur::config::detail {
namespace {

// Records where each document starts; ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  [[nodiscard]] const std::vector<YAML::Mark>& starts() const { return starts_; }

 private:
  std::vector<YAML::Mark> starts_;
};

// Reports a second document, or yaml-cpp 0.7 stuck on a token it cannot place (a ',' outside
// a flow collection): it then returns the same empty document forever without consuming
// anything (jbeder/yaml-cpp#1040, fixed upstream by #1319 after 0.8.0), which would make
// YAML::LoadAll loop and allocate without end. So documents are counted here, at most two,
// and YAML::LoadAll is never used.
bool check_single_document(Context& ctx, std::string_view text, const std::string& owned) {
  std::istringstream stream(owned);
  YAML::Parser parser(stream);
  DocumentStarts handler;
  for (int i = 0; i < 2 && parser.HandleNextDocument(handler); ++i) {
  }
  const auto& starts = handler.starts();
  if (starts.size() < 2) return true;
  const YAML::Mark& second = starts[1];
  if (second.pos == starts[0].pos) {
    const auto pos = static_cast<std::size_t>(second.pos);
    const std::string_view token = pos < text.size() ? text.substr(pos, 1) : std::string_view();
    ctx.error(second, "syntax error: unexpected " + quote(token));
  } else {
    ctx.error(second, "a config file holds one YAML document, found a second one here");
  }
  return false;
}

}  // namespace

std::optional<YAML::Node> parse_document(Context& ctx, std::string_view text) {
  const std::string owned(text);
  try {
    if (!check_single_document(ctx, text, owned)) return std::nullopt;
    return YAML::Load(owned);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own depth guard: it stops hostile nesting before the stack overflows.
    ctx.error(e.mark,
              "syntax error: nesting is deeper than " + std::to_string(e.depth()) + " levels");
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, "syntax error: " + e.msg);
  }
  return std::nullopt;
}

}  // namespace augur::config::detail
