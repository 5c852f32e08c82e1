// Log ingestion: NDJSON (one record per line).
#include "ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::ingest(rulelab::InputFormat::NDJson, ".ndjson", rulelab::fuzz::text_of(data, size));
  return 0;
}
