// The document reader's fast path (core/json_scan.hpp) against the DOM: whenever
// ProjectionScanner decides a document, simdjson's DOM parses it as a JSON object without a
// duplicate key, the projection is byte for byte project_document's and the shape hash
// inspect_document's. Input: the paths, comma
// separated, up to the first newline, then the document.
#include <simdjson.h>

#include <string>
#include <vector>

#include "core/dynamic.hpp"
#include "core/json_encode.hpp"
#include "core/json_scan.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = rulelab::fuzz::text_of(data, size);
  const auto nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::vector<std::string> owned;
  std::size_t from = 0;
  const std::string_view list = in.substr(0, nl);
  while (from <= list.size()) {
    const auto comma = list.find(',', from);
    const auto to = comma == std::string_view::npos ? list.size() : comma;
    owned.emplace_back(list.substr(from, to - from));
    from = to + 1;
  }
  std::vector<std::string_view> paths(owned.begin(), owned.end());
  const simdjson::padded_string doc(in.substr(nl + 1));
  // The scanner reads the document followed by padding as a mapped file has it (the next lines'
  // bytes: digits, a document, operators), after another document, as a reading thread's does.
  static constexpr std::string_view fills[] = {"9999999999999999", "\n{\"a\":1}\n{\"b\":", "e5}]\"\\  ,:tnf"};
  // Exactly the padding is allocated: a read past it is a heap overflow under ASan.
  const std::string_view fill = fills[size % std::size(fills)];
  std::vector<char> buffer(doc.data(), doc.data() + doc.size());
  while (buffer.size() < doc.size() + simdjson::SIMDJSON_PADDING) buffer.push_back(fill[buffer.size() % fill.size()]);
  buffer.shrink_to_fit();

  simdjson::dom::parser parser;
  if (parser.allocate(doc.size() + 1024)) return 0;
  rulelab::ProjectionScanner scanner;
  {
    const simdjson::padded_string before(std::string_view(R"({"a":{"b":[1,{"c":"x\"y"}],"d":{"e":{"f":null}}},"k":"v","user":{"name":"n"}})"));
    std::string ignored;
    rulelab::DynWriter iw(ignored);
    std::uint64_t ishape = 0;
    (void)scanner.project(parser, before.data(), before.size(), paths, iw, &ishape);
  }
  std::string fast;
  rulelab::DynWriter fw(fast);
  if (!scanner.project(parser, buffer.data(), doc.size(), paths, fw)) return 0;
  std::string fast2;
  rulelab::DynWriter fw2(fast2);
  std::uint64_t shape = 0;
  const bool shaped = scanner.project(parser, buffer.data(), doc.size(), paths, fw2, &shape);

  simdjson::dom::element e;
  if (parser.parse(doc.data(), doc.size(), false).get(e)) rulelab::fuzz::violated("scanned a document the DOM refuses", doc);
  if (!e.is_object()) rulelab::fuzz::violated("scanned a document that is no object", doc);
  std::string slow;
  rulelab::DynWriter sw(slow);
  std::vector<std::vector<std::string_view>> scratch;
  if (auto dup = rulelab::project_document(parser.doc, paths, sw, scratch)) rulelab::fuzz::violated("scanned a document with a duplicate key", *dup);
  if (fast != slow) rulelab::fuzz::violated("projections differ", doc);
  if (shaped) {
    std::uint64_t dom_shape = 0;
    bool dom_shaped = false;
    rulelab::inspect_document(parser.doc, dom_shape, dom_shaped);
    if (!dom_shaped || dom_shape != shape || fast2 != fast) rulelab::fuzz::violated("shapes differ", doc);
  }
  return 0;
}
