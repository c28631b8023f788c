// augurd: the daemon. All logic is in the libraries; see augur/daemon/daemon.h.
#include "augur/daemon/daemon.h"
#include "augur/demo/demo.h"

int main(int argc, char** argv) {
  // --demo runs the demo instead of the daemon (docs/operations.md, "Demo").
  if (augur::demo::wants_demo(argc, argv)) return augur::demo::run_demo(argc, argv);
  return augur::daemon::run_augurd(argc, argv);
}
