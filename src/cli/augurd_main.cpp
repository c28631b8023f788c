// augurd: the daemon. All logic is in the libraries; see augur/daemon/daemon.h.
#include "augur/daemon/daemon.h"

int main(int argc, char** argv) {
  return augur::daemon::run_augurd(argc, argv);
}
