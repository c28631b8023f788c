// The YAML config compiler takes files an operator (or an attacker with write access to a
// drop-in) controls: it must never crash, hang or leak, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "augur/config/compiler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = augur::config::compile_config(text, "fuzz.yaml");
  if (!result) {
    for (const auto& d : result.error()) (void)d.to_string();
  }
  return 0;
}
