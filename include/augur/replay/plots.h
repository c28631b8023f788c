#pragma once
// PNG plots with gnuplot (Debian's gnuplot-nox): data and script files are written first,
// then gnuplot runs on the script (posix_spawnp with an explicit argv, no shell). When
// gnuplot is missing the data and script stay for a later run, and the result says so.
#include <cstddef>
#include <string>
#include <vector>

#include "augur/replay/report.h"
#include "augur/util/result.h"

namespace augur::replay {

struct PlotOptions {
  std::string dir;                     // created if missing
  std::vector<std::string> instances;  // empty: the first max_instances instances
  std::size_t max_instances = 3;
  // Steps per instance chart: a window of this many steps (0: whole trace) centred on the
  // instance's largest one-step CPU (else first simulated resource) demand increase.
  std::size_t window_steps = 576;
  std::string gnuplot = "gnuplot";  // looked up on PATH
};

struct PlotResult {
  std::vector<std::string> files;  // data and script files written
  std::vector<std::string> pngs;   // the images the script makes
  bool gnuplot_ran = false;
  std::string note;  // why gnuplot did not run, or its failure
};

// Per chosen instance and simulated resource: demand and every policy's allocation over the
// window (<dir>/<instance>_<resource>.png); and a summary chart of the total
// under-provisioned minutes and mean relative slack per policy (<dir>/summary.png).
Result<PlotResult> write_plots(const ReplayReport& report, const PlotOptions& options);

}  // namespace augur::replay
