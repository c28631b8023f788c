#pragma once
#include <string>

namespace augur::trace::test {

inline std::string fixture(const std::string& rel) {
  return std::string(AUGUR_SOURCE_DIR) + "/tests/fixtures/trace/" + rel;
}
inline std::string shared_data(const std::string& rel) {
  return std::string(AUGUR_SOURCE_DIR) + "/../shared/data/" + rel;
}

}  // namespace augur::trace::test
