// ES|QL parsing and execution: the input is a query, run over a fixed index of ECS documents typed
// by the built-in ECS table (and over ROW data the query makes itself). A query parses and runs,
// or fails with an error; it never crashes.
#include "elastic/field_types.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "events.hpp"
#include "fuzz_util.hpp"

namespace {
using namespace rulelab;

struct Fixture {
  esql::Catalog catalog;
  Fixture() {
    std::string ndjson;
    for (const char* e : fuzz::kEvents) ndjson += std::string(e) + "\n";
    catalog.set_keep_sources(true);  // KQL(), MATCH, QSTR and METADATA _source read the documents
    if (auto r = catalog.add_index("logs-endpoint", ndjson, "events.ndjson", elastic::FieldTypes::builtin()); !r)
      fuzz::violated("the fixed documents do not load", r.error().format());
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fx;  // read-only after construction
  const std::string_view text = fuzz::text_of(data, size);
  auto q = esql::parse_query(text);
  if (!q) {
    (void)q.error().format();
    return 0;
  }
  esql::RunOptions o;
  o.now_ms = 1788444000000;
  auto r = esql::run_query(*q, fx.catalog, o);
  (void)r;
  return 0;
}
