// Log ingestion: a JSON array of records, or JSON documents.
#include "ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::ingest(rulelab::InputFormat::JsonArray, ".json", rulelab::fuzz::text_of(data, size));
  return 0;
}
