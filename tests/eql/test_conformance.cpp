// Data-driven conformance test: the Elasticsearch EQL QA cases in tests/data/eql/cases.jsonl
// (queries with the event ids Elasticsearch returns; see tests/data/eql/README.md) run through
// the parser and engine. Cases listed in tests/data/eql/known_failures.txt are expected to fail
// (each is explained in README-eql.md); every other case must give Elasticsearch's ids.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "eql/engine.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::eql;

namespace {
std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::int64_t id_of(const Doc* d, const std::string& field) {
  if (!d) return -1;
  std::vector<DynRef> vals;
  collect_values(d->source, field, vals);
  for (auto v : vals)
    if (v.is_number()) return static_cast<std::int64_t>(v.as_number());
  return -2;
}
}  // namespace

TEST_CASE("Elasticsearch EQL conformance cases (x-pack/plugin/eql/qa test_*.toml)") {
  const std::string dir = std::string(RULELAB_SOURCE_DIR) + "/tests/data/eql/";
  std::set<std::string> known;
  {
    std::istringstream kf(slurp(dir + "known_failures.txt"));
    std::string line;
    while (std::getline(kf, line))
      if (!line.empty() && line[0] != '#') known.insert(line.substr(0, line.find_first_of(" \t")));
  }
  std::istringstream cases(slurp(dir + "cases.jsonl"));
  std::string line;
  int passed = 0, failed = 0, known_failed = 0, fixed = 0;
  while (std::getline(cases, line)) {
    if (line.empty()) continue;
    auto c = nlohmann::json::parse(line);
    std::string id = c["id"];
    EventStore store;
    for (const auto& idx : c["indices"]) {
      std::string name = idx;
      auto err = store.add_ndjson(name, slurp(dir + c["data"][name].get<std::string>()));
      REQUIRE_MESSAGE(!err, id);
      auto m = Mapping::from_json(slurp(dir + c["mappings"][name].get<std::string>()), name);
      REQUIRE(m.ok());
      store.set_mapping(name, m.value());
    }
    RunOptions o;
    o.timestamp_field = c["timestamp_field"];
    o.category_field = c["event_category_field"];
    bool sample = c["tiebreaker_field"].is_null();
    if (!sample) o.tiebreaker_field = c["tiebreaker_field"];
    o.size = c["size"];
    if (c["max_samples_per_key"].is_number()) o.max_samples_per_key = c["max_samples_per_key"];
    std::string got_text;
    bool ok = false;
    auto q = parse_query(c["query"].get<std::string>());
    if (!q) {
      got_text = "parse error: " + q.error().format();
    } else {
      auto r = run_query(*q, store, o);
      if (!r) {
        got_text = "error: " + r.error().format();
      } else {
        std::string field = sample ? "id" : o.tiebreaker_field;
        std::vector<std::int64_t> got;
        for (const Doc* d : r->events) got.push_back(id_of(d, field));
        for (const auto& m : r->matches)
          for (const Doc* d : m.events) got.push_back(id_of(d, field));
        nlohmann::json exp = c["expected_event_ids"];
        if (!exp.empty() && exp[0].is_array()) {
          for (const auto& alt : exp) ok = ok || alt.get<std::vector<std::int64_t>>() == got;
        } else {
          ok = exp.get<std::vector<std::int64_t>>() == got;
        }
        got_text = nlohmann::json(got).dump();
      }
    }
    bool is_known = known.count(id) > 0;
    if (ok) {
      ++passed;
      if (is_known) {
        ++fixed;
        MESSAGE(id << " passes but is listed in known_failures.txt");
      }
    } else if (is_known) {
      ++known_failed;
    } else {
      ++failed;
      FAIL_CHECK(id << "\n  query: " << c["query"].get<std::string>() << "\n  expected " << c["expected_event_ids"].dump()
                    << "\n  got      " << got_text);
    }
  }
  MESSAGE(passed << " passed, " << failed + known_failed << " failed (" << known_failed << " known, explained in README-eql.md)");
  CHECK(fixed == 0);
  CHECK(passed + failed + known_failed > 100);
}
