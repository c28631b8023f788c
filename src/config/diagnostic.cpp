#include "augur/config/compiler.h"

namespace augur::config {

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace augur::config
