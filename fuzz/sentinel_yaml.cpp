// Sentinel analytic rule in YAML (the Azure-Sentinel repository format), then its query.
#include "sentinel_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::load_sentinel("fuzz.yaml", rulelab::fuzz::text_of(data, size));
  return 0;
}
