// Log ingestion: CSV with a header (RFC 4180, Log Analytics export).
#include "ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rulelab::fuzz::ingest(rulelab::InputFormat::Csv, ".csv", rulelab::fuzz::text_of(data, size));
  return 0;
}
