// Kibana KQL (kuery) parser: any text parses or fails with an offset inside the text; a parsed
// query prints in canonical form, which parses again to the same canonical form.
#include "fuzz_util.hpp"
#include "kuery/ast.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rulelab;
  const std::string_view text = fuzz::text_of(data, size);
  auto r = kuery::parse_kuery(text);
  if (!r.query) {
    if (!r.failure) fuzz::violated("parse_kuery gave neither a query nor a failure");
    if (r.failure->offset > text.size()) fuzz::violated("failure offset past the end of the text");
    return 0;
  }
  (void)kuery::to_json(*r.query->root);
  (void)kuery::fields_of(*r.query->root);
  const std::string canon = kuery::to_kuery(*r.query->root);
  auto again = kuery::parse_kuery(canon);
  if (!again.query) fuzz::violated("the canonical form does not parse", canon);
  if (const std::string twice = kuery::to_kuery(*again.query->root); twice != canon)
    fuzz::violated("the canonical form is not stable", canon + "\n" + twice);
  return 0;
}
