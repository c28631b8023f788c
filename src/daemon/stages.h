#pragma once
// The stage objects the daemon wires into the pipeline threads.
#include <memory>

#include "augur/config/config.h"
#include "augur/daemon/daemon_view.h"
#include "augur/daemon/pipeline.h"

namespace augur::daemon {

struct Stages {
  std::unique_ptr<SamplerStage> sampler;
  std::unique_ptr<AnalyserStage> analyser;
  std::unique_ptr<ActuatorStage> actuator;
};

// `view` receives what the analyser and actuator publish; it must outlive the stages.
Stages build_stages(const config::Config& config, const Clock& clock, DaemonView& view);

}  // namespace augur::daemon
