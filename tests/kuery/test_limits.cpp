// The deadline (--timeout) of a Kibana KQL run: a run past it stops with the time-limit message
// among its errors (the search is not reported as complete).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/datetime.hpp"
#include "elastic/elastic_rule.hpp"
#include "kuery/runner.hpp"

using namespace rulelab;
using namespace rulelab::elastic;
using namespace rulelab::kuery;

namespace {
// A deadline that has certainly passed (the test waits until it has: no timing involved).
Deadline passed() {
  Deadline d = Deadline::after(1e-9);
  while (!d.expired()) {
  }
  return d;
}
}  // namespace

TEST_CASE("a kuery run past its deadline stops with the time-limit message") {
  std::vector<std::string> storage;
  IndexDocs ix;
  ix.name = "logs-test";
  JsonParser p;
  for (int i = 0; i < 1000; ++i) {
    std::string enc;
    REQUIRE_FALSE(p.parse("{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"event\":{\"action\":\"a" + std::to_string(i % 3) + "\"}}", enc));
    storage.push_back(std::move(enc));
  }
  for (std::size_t i = 0; i < storage.size(); ++i) ix.docs.push_back({DynRef(storage[i]), "inline", static_cast<std::uint32_t>(i + 1), std::nullopt});
  const std::vector<IndexDocs> data{ix};
  const DateTime now = *parse_datetime("2026-01-01T00:10:00Z");

  auto ok = run_kuery_query("event.action:a1", data, FieldTypes::builtin(), now, std::nullopt);
  CHECK(ok.errors.empty());
  CHECK(ok.docs_matched == 333);
  auto late = run_kuery_query("event.action:a1", data, FieldTypes::builtin(), now, std::nullopt, passed());
  REQUIRE(late.errors.size() == 1);
  CHECK(late.errors[0] == "query exceeded the time limit of 1e-09 s (--timeout)");

  auto rules = load_elastic_text("r.toml",
                                 "[rule]\nname = \"r\"\nrule_id = \"r\"\ntype = \"query\"\nlanguage = \"kuery\"\n"
                                 "index = [\"logs-*\"]\nquery = \"event.action:a1\"\nfrom = \"now-1h\"\nrisk_score = 1\nseverity = \"low\"\n"
                                 "description = \"d\"\n");
  REQUIRE(rules.ok());
  const ElasticRule& rule = rules->front();
  auto run_ok = run_elastic_rule(rule, "", data, FieldTypes::builtin(), now);
  CHECK(run_ok.errors.empty());
  CHECK(run_ok.docs_matched == 333);
  auto run_late = run_elastic_rule(rule, "", data, FieldTypes::builtin(), now, passed());
  REQUIRE_FALSE(run_late.errors.empty());
  CHECK(run_late.errors.back() == "query exceeded the time limit of 1e-09 s (--timeout)");
}
