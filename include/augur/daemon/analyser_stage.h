#pragma once
// The analyser thread's stage: fingerprints and drift per instance, with baselines restored
// from the store at start and saved every `save_interval` and when the stage is destroyed
// (so a restart does not relearn). Drift episodes go to the log and, when they end, to the
// store's history.
#include <map>
#include <memory>
#include <string>

#include "augur/config/config.h"
#include "augur/daemon/pipeline.h"
#include "augur/drift/analyzer.h"
#include "augur/store/store.h"

namespace augur::daemon {

struct AnalyserStageOptions {
  Nanos save_interval = std::chrono::minutes(5);
};

class DriftAnalyserStage final : public AnalyserStage {
 public:
  // `store` may be null (no persistence: the daemon said why at start).
  DriftAnalyserStage(const config::Config& config, const Clock& clock,
                     std::unique_ptr<store::Store> store, AnalyserStageOptions options = {});
  ~DriftAnalyserStage() override;

  std::vector<Plan> analyse(const SampleBatch& batch, Mode mode) override;

  // Saves every baseline now. Errors are returned, and logged by the caller.
  Status save_baselines();

  [[nodiscard]] const drift::Analyzer& analyzer() const { return analyzer_; }
  [[nodiscard]] std::size_t restored_baselines() const { return restored_; }

 private:
  void restore_baselines();
  void refresh_instances(const std::vector<Instance>& now);
  void report(const drift::Analysis& a, const drift::EpisodeEvent& e);

  const Clock& clock_;
  std::unique_ptr<store::Store> store_;
  AnalyserStageOptions options_;
  drift::Analyzer analyzer_;
  std::shared_ptr<const std::vector<Instance>> instances_;
  std::map<std::string, std::string> names_;
  SteadyTime last_save_{};
  std::size_t restored_ = 0;
};

}  // namespace augur::daemon
