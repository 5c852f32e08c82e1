// EQL execution: the input is a query, run over a fixed document set (event queries, sequences
// with join keys, maxspan, until, samples, pipes). A query runs or fails with an error.
#include "eql/engine.hpp"
#include "eql/parser.hpp"
#include "events.hpp"
#include "fuzz_util.hpp"

namespace {
using namespace rulelab;

struct Fixture {
  eql::EventStore store;
  Fixture() {
    std::string ndjson;
    for (const char* e : fuzz::kEvents) ndjson += std::string(e) + "\n";
    if (auto err = store.add_ndjson("logs-endpoint", ndjson)) fuzz::violated("the fixed documents do not load", err->format());
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fx;  // read-only after construction
  const std::string_view text = fuzz::text_of(data, size);
  auto q = eql::parse_query(text);
  if (!q) return 0;
  eql::RunOptions o;
  o.size = 100;
  o.max_samples_per_key = 2;
  auto r = eql::run_query(*q, fx.store, o);
  if (!r) (void)r.error().format();
  return 0;
}
