// Trace files are downloaded from the internet and fed to augur-replay: every format
// adapter must reject bad bytes with a counted error, never crash, hang or leak. A NUL in
// the input splits it into Alibaba's usage and meta files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "augur/trace/parse.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using augur::fuzz::consume;
  using namespace augur::trace;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  consume(parse_augur_csv(text, "fuzz.csv"));
  consume(parse_bitbrains(text, "vm", "fuzz.csv"));
  consume(parse_aggregate(text, "fuzz_grouped_300_seconds.csv"));
  const auto nul = text.find('\0');
  const std::string_view usage = text.substr(0, nul);
  const std::string_view meta = nul == std::string_view::npos ? "" : text.substr(nul + 1);
  consume(parse_alibaba_machine(usage, meta, "fuzz.csv"));
  return 0;
}
