#pragma once
// augur-replay's command line and run: load (or generate) a trace, build the simulated host,
// run the policies, write the table, JSON, CSV and plots. The main only passes its streams.
#include <ostream>

namespace augur::replay {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;    // EX_USAGE
inline constexpr int kExitDataErr = 65;  // EX_DATAERR: the trace or config cannot be used
inline constexpr int kExitFailure = 1;   // an output could not be written

// `interactive`: stderr is a terminal (progress redraws one line; else a line per quarter).
int replay_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                bool interactive);

}  // namespace augur::replay
