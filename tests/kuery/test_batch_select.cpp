// kuery evaluated a batch at a time (CompiledQuery::select): the selection narrowed clause by
// clause must keep exactly the documents matches() keeps one by one, for every operator, on
// documents that spell fields as scalars, arrays, nulls or not at all. The semantics themselves
// are Kibana's KQL page ("Kibana Query Language": `or`, `and`, `not`, nested queries); the
// documented examples below are checked on their own.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "core/selection.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

using namespace rulelab;
using namespace rulelab::kuery;

namespace {

const char* kMapping = R"({"settings":{"analysis":{"normalizer":{"lower":{"type":"custom","filter":["lowercase"]}}}},
 "mappings":{"properties":{
  "k":{"type":"keyword"}, "k2":{"type":"keyword"}, "t":{"type":"text"}, "n":{"type":"long"},
  "ip":{"type":"ip"}, "b":{"type":"boolean"}, "d":{"type":"date"},
  "kn":{"type":"keyword","null_value":"A","ignore_above":1,"normalizer":"lower"}, "nn":{"type":"integer","null_value":3},
  "http":{"properties":{"request":{"properties":{"method":{"type":"keyword"}}},
                        "response":{"properties":{"status_code":{"type":"long"}}}}},
  "user":{"type":"nested","properties":{"first":{"type":"keyword"},"last":{"type":"keyword"}}}}}})";

struct Docs {
  std::vector<std::string> bytes;
  std::vector<DynRef> refs;
  void add(const std::string& json) {
    JsonParser p;
    std::string enc;
    REQUIRE_FALSE(p.parse(json, enc).has_value());
    bytes.push_back(std::move(enc));
  }
  void seal() {
    refs.clear();
    for (const auto& b : bytes) refs.push_back(DynRef(b));
  }
};

CompiledQuery compiled(const std::string& text, const elastic::FieldTypes& types) {
  auto parsed = parse_kuery(text);
  REQUIRE_MESSAGE(parsed.query, text);
  const elastic::IndexFields fields(types);
  auto q = CompiledQuery::compile(*parsed.query->root, fields, DateTime{});
  REQUIRE_MESSAGE(q.errors().empty(), text);
  return q;
}

// The rows select() keeps, starting from `from`.
SelectionVector selected(const CompiledQuery& q, const Docs& d, SelectionVector from) {
  q.select(d.refs, from);
  return from;
}

std::string random_value(std::mt19937& rng, const std::vector<std::string>& pool) {
  const auto pick = [&] { return pool[rng() % pool.size()]; };
  switch (rng() % 6) {
    case 0: return "null";
    case 1: return "[" + pick() + "," + pick() + "]";
    case 2: return "[]";
    default: return pick();
  }
}

}  // namespace

TEST_CASE("select keeps what matches keeps, clause by clause, on random documents") {
  elastic::FieldTypes types;
  REQUIRE(types.add_mapping_json(kMapping, "mapping.json"));
  std::mt19937 rng(20261207);
  const std::vector<std::string> words = {"\"a\"", "\"b\"", "\"A\"", "\"a b\"", "\"b c\"", "\"\""};
  const std::vector<std::string> nums = {"1", "2", "3", "\"2\"", "10"};
  const std::vector<std::string> ips = {"\"10.0.0.1\"", "\"10.1.2.3\"", "\"::1\""};
  Docs d;
  for (int i = 0; i < 700; ++i) {
    std::string j = "{";
    auto field = [&](const std::string& name, const std::vector<std::string>& pool) {
      if (rng() % 3 == 0) return;  // absent
      if (j.size() > 1) j += ",";
      j += "\"" + name + "\":" + random_value(rng, pool);
    };
    field("k", words);
    field("k2", words);
    field("t", words);
    field("n", nums);
    field("ip", ips);
    field("b", {"true", "false"});
    field("d", {"\"2024-01-01\"", "\"2024-01-02T10:00:00Z\"", "1704067200000", "\"x\""});
    field("kn", words);
    field("nn", nums);
    if (rng() % 2) {
      if (j.size() > 1) j += ",";
      j += "\"user\":[{\"first\":" + words[rng() % words.size()] + ",\"last\":" + words[rng() % words.size()] + "},{\"first\":" +
           words[rng() % words.size()] + "}]";
    }
    d.add(j + "}");
  }
  d.seal();
  const std::vector<std::string> queries = {
      "k:a",
      "k:a and k2:b",
      "k:a or k2:b or t:c",
      "not k:a",
      "not (k:a or k2:b) and n >= 2",
      "k:(a or b) and not t:\"b c\"",
      "(k:a and n:2) or (k2:b and not ip:10.0.0.0/8) or b:true",
      "k:* and not k2:*",
      "t:b and (n < 3 or not n:*)",
      "user:{ first:a and last:b } or k2:A",
      "not (not k:a)",
      "k:a* or k2:*b",
      "n > 1 and n < 10 and not b:false",
      "k:\"a b\" or t:\"a b\"",
      "d >= \"2024-01-02\" or d:2024-01-01",
      "not d:* and (kn:a or nn:3)",
      "kn:* and (nn > 2 or k:a)",
      "k:a and k:b or k:A and not k:a",
  };
  // Query DSL as Kibana's filters and exception items use it: bool with must, must_not and
  // should (minimum_should_match), nested.
  const std::vector<std::string> dsl = {
      R"({"bool":{"should":[{"term":{"k":"a"}},{"term":{"k2":"b"}},{"exists":{"field":"n"}}],"minimum_should_match":2}})",
      R"({"bool":{"must":[{"exists":{"field":"k"}}],"must_not":[{"term":{"k":"a"}},{"match":{"t":"c"}}],"should":[{"term":{"b":true}}]}})",
      R"({"bool":{"filter":[{"range":{"n":{"gte":2}}}],"should":[{"term":{"k":"b"}},{"wildcard":{"k2":{"value":"A*","case_insensitive":true}}}],"minimum_should_match":1}})",
      R"({"nested":{"path":"user","query":{"bool":{"must":[{"term":{"user.first":"a"}}],"must_not":[{"term":{"user.last":"b"}}]}}}})",
  };
  SelectionVector every = selection_all(d.refs.size()), odd;
  for (std::uint32_t i = 1; i < d.refs.size(); i += 2) odd.push_back(i);
  std::vector<std::pair<std::string, bool>> all;
  for (const auto& t : queries) all.push_back({t, false});
  for (const auto& t : dsl) all.push_back({t, true});
  for (const auto& [text, is_dsl] : all) {
    CAPTURE(text);
    const CompiledQuery q = is_dsl ? CompiledQuery::compile_dsl(nlohmann::json::parse(text), elastic::IndexFields(types), DateTime{})
                                   : compiled(text, types);
    REQUIRE(q.errors().empty());
    for (const SelectionVector* from : {&every, &odd}) {
      SelectionVector expect;
      for (const std::uint32_t r : *from)
        if (q.matches(d.refs[r])) expect.push_back(r);
      CHECK(selected(q, d, *from) == expect);
      // (each query keeps some rows and drops others: the comparison has something to compare)
      CHECK_FALSE(expect.empty());
      CHECK(expect.size() < from->size());
    }
  }
}

TEST_CASE("select over Kibana's KQL examples: or, and, not (missing fields match not)") {
  // Kibana Query Language page: `http.request.method: GET OR http.response.status_code: 400`,
  // `http.request.method: GET AND http.response.status_code: 400`, `NOT http.request.method: GET`
  // (a document without the field matches the `not`: Elasticsearch's bool must_not).
  elastic::FieldTypes types;
  REQUIRE(types.add_mapping_json(kMapping, "mapping.json"));
  Docs d;
  d.add(R"({"http":{"request":{"method":"GET"},"response":{"status_code":400}}})");  // 0
  d.add(R"({"http":{"request":{"method":"GET"},"response":{"status_code":200}}})");  // 1
  d.add(R"({"http":{"request":{"method":"POST"},"response":{"status_code":400}}})"); // 2
  d.add(R"({"http":{"response":{"status_code":500}}})");                             // 3
  d.add(R"({"http.request.method":["PUT","GET"]})");                                  // 4
  d.seal();
  const SelectionVector all = selection_all(d.refs.size());
  CHECK(selected(compiled("http.request.method: GET OR http.response.status_code: 400", types), d, all) ==
        SelectionVector{0, 1, 2, 4});
  CHECK(selected(compiled("http.request.method: GET AND http.response.status_code: 400", types), d, all) == SelectionVector{0});
  CHECK(selected(compiled("NOT http.request.method: GET", types), d, all) == SelectionVector{2, 3});
  // A selection that starts narrower stays within it.
  CHECK(selected(compiled("NOT http.request.method: GET", types), d, SelectionVector{1, 3}) == SelectionVector{3});
}

TEST_CASE("selection set operations") {
  SelectionVector s{1, 3, 5, 7};
  selection_subtract(s, SelectionVector{3, 7});
  CHECK(s == SelectionVector{1, 5});
  selection_unite(s, SelectionVector{0, 2, 9});
  CHECK(s == SelectionVector{0, 1, 2, 5, 9});
  SelectionVector any{0, 1, 2, 3, 4, 5};
  std::vector<std::vector<std::uint32_t>> seen;
  selection_any(any, 3, [&](std::size_t i, SelectionVector& part) {
    seen.push_back(part);  // each child sees only the rows no earlier child kept
    selection_keep_if(part, [&](std::uint32_t r) { return r % 3 == i; });
  });
  CHECK(any == SelectionVector{0, 1, 2, 3, 4, 5});
  REQUIRE(seen.size() == 3);
  CHECK(seen[1] == std::vector<std::uint32_t>{1, 2, 4, 5});
  CHECK(seen[2] == std::vector<std::uint32_t>{2, 5});
  SelectionVector n{0, 1, 2, 3};
  selection_not(n, [](SelectionVector& part) { selection_keep_if(part, [](std::uint32_t r) { return r % 2 == 0; }); });
  CHECK(n == SelectionVector{1, 3});
}
