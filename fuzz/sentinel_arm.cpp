// Sentinel analytic rules in an ARM template (JSON, as the portal exports them), then their queries.
#include "sentinel_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::load_sentinel("fuzz.json", rulelab::fuzz::text_of(data, size));
  return 0;
}
