#include <unistd.h>

#include <iostream>

#include "augur/replay/cli.h"

int main(int argc, char** argv) {
  return augur::replay::replay_main(argc, argv, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
}
