// EQL parser (with its checks of functions, arities, pipes): any text parses or gives an error.
#include "eql/parser.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = rulelab::fuzz::text_of(data, size);
  auto q = rulelab::eql::parse_query(text);
  if (q) (void)rulelab::eql::to_json(*q);
  else (void)q.error().format();
  return 0;
}
