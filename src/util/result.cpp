#include "augur/util/result.h"

#include <cerrno>
#include <cstring>

namespace augur {

std::string Error::message() const {
  std::string out = what;
  if (!where.empty()) {
    out += out.empty() ? "" : ": ";
    out += where;
  }
  if (errno_value != 0) {
    out += out.empty() ? "" : ": ";
    out += std::strerror(errno_value);
  }
  return out;
}

Error errno_error(std::string what, std::string where) {
  return Error{std::move(what), std::move(where), errno};
}

}  // namespace augur
