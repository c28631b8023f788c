#pragma once
// The analyser stage for the daemon's analyser thread: per instance, Samples in,
// fingerprint, drift score against the calibrated threshold, and episode events out.
//
// Per tick and instance:
//  1. the Sample goes into the instance's FingerprintBuilder; once it holds a full window,
//     the fingerprint over the window is computed;
//  2. an instance without a declared type is, every window_ticks ticks until one fits,
//     matched to the nearest trusted type (type_assignment.h); on a fit its baseline is
//     reseeded from that type (its own windows merged in) when not yet trusted;
//  3. the judging baseline is the instance's own when trusted, else its type's when
//     trusted, else none (learning: no score);
//  4. the slow channel: per baseline, an EWMA (time constant slow_time_constant_windows
//     windows) of the z vector of the windows the fast score judges within its threshold;
//     its score is the largest |EWMA z| over the compared features, judged against the
//     quantile of a calibration sample frozen once complete (docs/drift.md, "The slow
//     channel"): a moderate shift that lasts, which no single window shows;
//  5. max(score / threshold, slow score / slow threshold) goes through the
//     SequentialDetector (detector.h); an episode's direction and top features are the
//     leading channel's;
//  6. when the detector is neither suspect nor in an episode, the window's scores against
//     the instance's baseline and against its declared type's go into each one's
//     calibration histograms (once the baseline holds half the trust count), and, if the
//     window was not scored or scored within both thresholds, the window is learned by both
//     (inferred types do not teach their type). So nothing above the threshold is
//     absorbed, and a slow drift cannot be learned as it goes. A window with no feature
//     present (an instance that stopped answering) is neither scored nor learned.
//  7. rebaseline policy: an episode that has lasted rebaseline_after_ticks ticks is taken
//     to be the instance's new normal (a permanent shift never returns to baseline, so
//     hysteresis alone would keep it open forever): the episode ends with reason
//     kRebaselined, the instance's own baseline restarts empty and learns from the windows
//     that follow (its type's baseline is untouched), and until the new one is trusted the
//     instance is not judged at all (not by its type either: the type is what it has left,
//     so judging by it would reopen the episode at once and stop the relearning).
// Not thread-safe: one analyser thread owns it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "augur/config/config.h"
#include "augur/core/decisions.h"
#include "augur/core/sample.h"
#include "augur/drift/baseline_set.h"
#include "augur/drift/detector.h"
#include "augur/drift/distance.h"

namespace augur::drift {

// Default of the rebaseline policy: 60 default windows (an hour at a 1 s tick). Long enough
// that a load spike of minutes, or a drift the planner is still answering, is not taken for a
// new normal; short enough that a permanent shift does not stay an episode for days.
inline constexpr std::int64_t kDefaultRebaselineAfterTicks = 3600;
// Default time constant of the slow channel's EWMA, in windows: long enough to average
// out a day's cycle and a burst at a 5-minute tick (50 hours), short enough that the
// calibration sample (half the default trust count, 60 windows) holds 6 of them.
inline constexpr double kDefaultSlowTimeConstantWindows = 10;
// The slow channel's calibration sample holds at least this many time constants.
inline constexpr double kSlowCalibrationTimeConstants = 6;

struct AnalyzerOptions {
  config::FingerprintSection fingerprint;
  config::DriftSection drift;
  int end_hold_ticks = kDefaultEndHoldTicks;
  std::size_t top_features = 5;
  // Ticks an episode may last before the instance is rebaselined; 0 = never (an episode
  // then ends only by returning to baseline).
  std::int64_t rebaseline_after_ticks = kDefaultRebaselineAfterTicks;
  // Time constant of the slow channel's EWMA of the z vector, in windows; 0 turns the
  // slow channel off.
  double slow_time_constant_windows = kDefaultSlowTimeConstantWindows;
};

enum class BaselineScope { kNone, kInstance, kType };
enum class EpisodeEventKind { kStarted, kUpdated, kEnded };

// Why an episode ended.
enum class EpisodeEndReason {
  kNone,         // not ended (kStarted, kUpdated events)
  kReturned,     // back below the threshold for end_hold_ticks (the hysteresis rule)
  kRebaselined,  // lasted rebaseline_after_ticks: its level became the instance's baseline
};
// "", "returned", "rebaselined": stable names for logs, records and JSON.
[[nodiscard]] std::string_view end_reason_name(EpisodeEndReason reason);

// kUpdated is emitted when an open episode reaches a new peak.
struct EpisodeEvent {
  EpisodeEventKind kind = EpisodeEventKind::kStarted;
  DriftEpisode episode;
  EpisodeEndReason end_reason = EpisodeEndReason::kNone;  // set on kEnded
};

struct Analysis {
  std::string instance_id;
  std::string app_type;  // declared, else inferred, else empty
  bool type_inferred = false;
  double type_confidence = 0;    // for an inferred type
  bool has_fingerprint = false;  // false until the ring holds a full window
  Fingerprint fingerprint;
  BaselineScope scope = BaselineScope::kNone;  // which baseline judged this window
  BaselineState instance_baseline;
  bool scored = false;  // a trusted, calibrated baseline judged this window
  double score = 0;
  double threshold = 0;
  double slow_score = 0;      // the slow channel's score (0 when not judged)
  double slow_threshold = 0;  // its calibrated threshold (0: not calibrated, not judged)
  double statistic = 0;       // the sequential rule's statistic
  bool in_episode = false;
  std::int64_t episode_ticks = 0;  // ticks the open episode has lasted (0 when none)
  bool relearning = false;         // rebaselined, own baseline not yet trusted again: not judged
  bool learned = false;            // this window was absorbed into the baselines
  std::vector<FeatureContribution> top_features;
  // When scored, every feature against the judging baseline: the fast channel's standardized
  // difference (0 where not compared) and the baseline's mean in the feature's own unit (NaN
  // where not compared). Empty when not scored. What `augurctl show` lists.
  std::vector<double> z;
  std::vector<double> baseline_mean;
  // While an episode is open (its start tick included), the leading channel's standardized
  // difference vector and score this tick; empty and 0 otherwise. How an episode develops
  // after its start (the episode itself keeps its start and its peak).
  std::vector<double> episode_direction;
  double episode_score = 0;
  std::vector<EpisodeEvent> events;
};

class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Declares an instance's application type ("" = unknown); may come before or after its
  // first Sample (discovery runs apart from sampling).
  void set_app_type(std::string_view instance_id, std::string app_type);

  // One tick of one instance. The reference stays valid until the next analyze() of the
  // same instance or forget() of it.
  const Analysis& analyze(const Sample& sample);

  // Drops an instance's ring buffers and detector state (its baseline stays in the set).
  void forget(std::string_view instance_id);

  [[nodiscard]] BaselineSet& baselines() { return baselines_; }
  [[nodiscard]] const BaselineSet& baselines() const { return baselines_; }
  [[nodiscard]] const AnalyzerOptions& options() const { return options_; }

 private:
  struct InstanceState;
  InstanceState& state_for(std::string_view instance_id);
  void maybe_assign_type(InstanceState& st);
  void learn_window(InstanceState& st, Baseline& own, bool absorb);
  void rebaseline(InstanceState& st, SteadyTime at);
  // Adds this window's scores to b's calibration (the slow one while its sample is open
  // and `slow` is given).
  void calibrate(Baseline& b, double fast, const std::vector<double>* slow,
                 const Standardized& z) const;
  // Whether the declared type's own slow calibration sample still takes this instance's.
  [[nodiscard]] bool type_sample_open(const InstanceState& st) const;

  AnalyzerOptions options_;
  std::size_t window_ticks_;
  BaselineSet baselines_;
  std::map<std::string, std::unique_ptr<InstanceState>, std::less<>> instances_;
  double slow_alpha_;                      // EWMA weight of the slow channel; 0 = off
  std::uint64_t slow_calibration_scores_;  // the slow channel's calibration sample
};

}  // namespace augur::drift
