#pragma once
// augurd's life: load and check the config, take the instance lock, start the pipeline
// threads, then serve signals and systemd's notify protocol on the main thread until stopped.
#include "augur/daemon/command_line.h"

namespace augur::daemon {

// The whole of augurd's main(); returns the process exit code.
int run_augurd(int argc, const char* const* argv);

}  // namespace augur::daemon
