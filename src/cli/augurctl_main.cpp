// augurctl: the operator's CLI. All logic is in src/ctl; see augur/ctl/augurctl.h.
#include "augur/ctl/augurctl.h"

int main(int argc, char** argv) {
  return augur::ctl::run_augurctl(argc, argv);
}
