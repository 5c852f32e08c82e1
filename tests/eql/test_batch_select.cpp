// EQL conditions evaluated a batch at a time (Evaluator::select): the selection narrowed clause by
// clause keeps exactly the events matches() keeps one by one, queries and scripts alike, and a
// script that fails fails the batch with the error row-by-row evaluation would have met first.
// Semantics: Elastic's EQL syntax reference (operators `and`, `or`, `not`; a missing field makes
// a comparison false and its `not` true; functions run as scripts).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "core/selection.hpp"
#include "eql/engine.hpp"
#include "eql/eval.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::eql;

namespace {

struct Events {
  std::vector<std::string> bytes;
  std::vector<EventView> views;
  void add(const std::string& json) {
    JsonParser p;
    std::string enc;
    REQUIRE_FALSE(p.parse(json, enc).has_value());
    bytes.push_back(std::move(enc));
  }
  void seal(const Mapping* m) {
    views.clear();
    for (const auto& b : bytes) views.push_back(EventView{DynRef(b), m});
  }
};

Query parsed(const std::string& text) {
  auto q = parse_query(text);
  REQUIRE_MESSAGE(q, text);
  return std::move(*q);
}

}  // namespace

TEST_CASE("select keeps what matches keeps, clause by clause, on random events") {
  auto mapping = Mapping::from_json(R"({"properties":{"k":{"type":"keyword"},"k2":{"type":"keyword"},
      "n":{"type":"long"},"ip":{"type":"ip"},"event":{"properties":{"category":{"type":"keyword"}}}}})", "m.json");
  REQUIRE(mapping);
  std::mt19937 rng(7);
  const std::vector<std::string> words = {"\"a\"", "\"b\"", "\"A\"", "\"ab\"", "\"\""};
  const std::vector<std::string> nums = {"1", "2", "5", "null"};
  Events ev;
  for (int i = 0; i < 600; ++i) {
    std::string j = "{\"event\":{\"category\":" + std::string(rng() % 2 ? "\"process\"" : "\"file\"") + "}";
    auto field = [&](const std::string& name, const std::vector<std::string>& pool) {
      switch (rng() % 4) {
        case 0: return;
        case 1: j += ",\"" + name + "\":[" + pool[rng() % pool.size()] + "," + pool[rng() % pool.size()] + "]"; return;
        default: j += ",\"" + name + "\":" + pool[rng() % pool.size()];
      }
    };
    field("k", words);
    field("k2", words);
    field("n", nums);
    field("ip", {"\"10.0.0.1\"", "\"192.168.1.1\""});
    ev.add(j + "}");
  }
  ev.seal(&*mapping);
  const std::vector<std::string> queries = {
      "any where k == \"a\"",
      "any where k == \"a\" and k2 : \"B\"",
      "any where k == \"a\" or k2 == \"b\" or n > 1",
      "any where not k == \"a\"",
      "any where not (k == \"a\" or k2 == \"b\") and n >= 2",
      "any where k in (\"a\", \"b\") and not k2 like~ \"a*\"",
      "process where k != null and (n == null or n < 5)",
      "any where length(k) > 1 or n + 1 == 3",
      "any where not (startsWith(k, \"a\") and n != 2)",
      "any where cidrMatch(ip, \"10.0.0.0/8\") or k2 == null",
      "file where k : (\"A\", \"ab\") and ip != \"10.0.0.1\"",
  };
  SelectionVector every = selection_all(ev.views.size()), odd;
  for (std::uint32_t i = 1; i < ev.views.size(); i += 2) odd.push_back(i);
  for (const auto& text : queries) {
    CAPTURE(text);
    Query q = parsed(text);
    Evaluator e;
    REQUIRE_FALSE(e.prepare(q).has_value());
    for (const SelectionVector* from : {&every, &odd}) {
      SelectionVector expect;
      for (const std::uint32_t r : *from)
        if (event_passes(e, q.event, ev.views[r], "event.category")) expect.push_back(r);
      SelectionVector got = *from;
      select_events(e, q.event, ev.views, got, "event.category");
      CHECK(got == expect);
      CHECK_FALSE(expect.empty());
      CHECK(expect.size() < from->size());
    }
  }
}

TEST_CASE("a failing script fails the batch with the first row's error, as row by row") {
  // number("...") on a string that is no number fails the search (EQL function reference:
  // number; Elasticsearch runs it as a script). Row 1 fails in the `or`'s second operand, row 2
  // already in its first: row by row, row 1 fails first, so its error is the batch's.
  Events ev;
  ev.add(R"({"x":"1"})");
  ev.add(R"({"x":"-1","z":"bad1"})");
  ev.add(R"({"x":"bad2"})");
  ev.seal(nullptr);
  Query q = parsed("any where number(x) > 0 or number(z) > 0");
  Evaluator e;
  REQUIRE_FALSE(e.prepare(q).has_value());
  std::string row_by_row;
  for (const auto& v : ev.views) {
    try {
      (void)e.matches(*q.event.condition, v);
    } catch (const ScriptError& x) {
      row_by_row = x.message;
      break;
    }
  }
  REQUIRE_FALSE(row_by_row.empty());
  CHECK(row_by_row.find("bad1") != std::string::npos);
  SelectionVector sel = selection_all(ev.views.size());
  std::string batch;
  try {
    e.select(*q.event.condition, ev.views, sel);
  } catch (const ScriptError& x) {
    batch = x.message;
  }
  CHECK(batch == row_by_row);
}
