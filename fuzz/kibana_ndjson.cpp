// Kibana saved-objects export (NDJSON: rules, exception lists and items, summary), then the queries.
#include "elastic_rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::load_elastic("fuzz.ndjson", rulelab::fuzz::text_of(data, size));
  return 0;
}
