// Kusto query parser: any text parses or gives a positioned error; an AST prints as JSON.
#include "fuzz_util.hpp"
#include "kusto/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rulelab::fuzz::text_of(data, size);
  auto q = rulelab::kusto::parse_query(text);
  if (q) (void)rulelab::kusto::to_json(*q);
  else (void)q.error().format();
  return 0;
}
