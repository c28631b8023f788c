// Control-socket requests come from any member of the augur group: a malformed, huge or
// hostile line gets an error line back and changes nothing it should not. The daemon
// behind it here holds one instance, one change and one episode so the verbs that read
// them (show, history, pause) run their real paths.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "augur/daemon/control_protocol.h"

namespace {

using namespace augur::daemon;
using augur::Mode;

class FuzzedDaemon final : public ControlApi {
 public:
  FuzzedDaemon() {
    InstanceView web;
    web.id = "cgroup:/web-1";
    web.name = "web-1";
    web.app_type = "web";
    web.baseline = "trusted";
    web.score = 2.5;
    web.threshold = 3;
    view_.publish({web}, AnalyserSummary{});
    ChangeView change;
    change.instance_id = web.id;
    change.instance = web.name;
    change.resource = "cpu";
    change.old_value = 0.5;
    change.new_value = 0.75;
    change.reason = "prediction";
    view_.record_change(change);
    EpisodeView episode;
    episode.instance_id = web.id;
    episode.instance = web.name;
    episode.event = "started";
    episode.score = 4;
    view_.record_episode(episode);
  }
  DaemonStatus status() override {
    DaemonStatus s;
    s.version = "fuzz";
    s.mode = mode_;
    return s;
  }
  void set_mode(Mode mode) override { mode_ = mode; }
  DaemonView* view() override { return &view_; }

 private:
  DaemonView view_;
  Mode mode_ = Mode::kObserve;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzedDaemon daemon;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)handle_control_request(line, PeerCredentials{1, 0, 0, {}}, daemon);
  return 0;
}
