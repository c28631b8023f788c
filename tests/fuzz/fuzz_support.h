#pragma once
// Shared by the fuzz targets: every parser's result is consumed the way the daemon would
// (the error's message built), so a bad error path is exercised too.
#include "augur/util/result.h"

namespace augur::fuzz {

template <typename T>
void consume(const Result<T>& result) {
  if (!result) (void)result.error().message();
}

}  // namespace augur::fuzz
