#include "augur/core/decisions.h"

namespace augur {

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kObserve: return "observe";
    case Mode::kAdvise: return "advise";
    case Mode::kEnforce: return "enforce";
  }
  return "unknown";
}

}  // namespace augur
