// Elastic detection-rules TOML file (one rule), then its query.
#include "elastic_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::load_elastic("fuzz.toml", rulelab::fuzz::text_of(data, size));
  return 0;
}
