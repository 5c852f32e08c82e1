// Elastic documents filtered while reading (app/elastic_read_filter.hpp, app/eql_read_filter.hpp):
// what each filter keeps and drops, judged one document at a time as a parsing thread does.
// Semantics: Kibana's kuery and Elasticsearch's EQL reference (the run's own matchers decide);
// the first document of each shape is kept so that Elasticsearch's dynamic mapping ("the first
// document that brings a field decides its type") is observed over the kept documents.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "app/doc_shape.hpp"
#include "app/elastic_data.hpp"
#include "app/elastic_read_filter.hpp"
#include "app/eql_read_filter.hpp"
#include "core/dynamic.hpp"
#include "eql/parser.hpp"
#include "elastic/elastic_rule.hpp"
#include "kuery/runner.hpp"

using namespace rulelab;
using namespace rulelab::app;

namespace {
Dynamic doc(std::string_view json) {
  std::string enc;
  JsonParser p;
  REQUIRE(!p.parse(json, enc));
  return Dynamic(std::move(enc));
}
}  // namespace

TEST_CASE("document shapes: keys, structure and JSON kinds decide, values do not") {
  ShapeSet s;
  CHECK(s.first_of_shape(doc(R"({"a":"x","b":{"c":1}})").ref()));
  CHECK_FALSE(s.first_of_shape(doc(R"({"a":"y","b":{"c":2}})").ref()));    // other values, same shape
  CHECK(s.first_of_shape(doc(R"({"a":null,"b":{"c":2}})").ref()));         // null is a kind of its own
  CHECK(s.first_of_shape(doc(R"({"a":"y","b":{"c":2.5}})").ref()));        // real is not integer
  CHECK(s.first_of_shape(doc(R"({"a":"y","b":{"d":2}})").ref()));          // another key
  CHECK(s.first_of_shape(doc(R"({"b":{"c":2},"a":"y"})").ref()));          // another order
  CHECK(s.first_of_shape(doc(R"({"a":["x"],"b":{"c":2}})").ref()));        // an array
  CHECK_FALSE(s.first_of_shape(doc(R"({"a":["x","y","z"],"b":{"c":3}})").ref()));  // more elements of one shape
}

TEST_CASE("kuery read filter: matching documents and the first of each shape are kept; the others dropped and counted") {
  const elastic::FieldTypes types = elastic::FieldTypes::builtin();
  kuery::RuleWindow w;
  w.timestamp_field = "@timestamp";
  auto f = KueryReadFilter::make(R"(event.outcome:success and event.action:"Add user")", types, w);
  REQUIRE(f);
  IngestOptions opt;
  ReadFilterCounts counts;
  REQUIRE(f->install(opt, counts, "logs"));
  {
    auto judge = opt.make_document_filter();
    CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"outcome":"failure","action":"Add user"}})").ref(), 1));  // first of its shape
    CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:01Z","event":{"outcome":"failure","action":"Add user"}})").ref(), 2));
    CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:02Z","event":{"outcome":"success","action":"Add user"}})").ref(), 3));  // matches
    CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:03Z","event":{"outcome":"Success","action":"Add user"}})").ref(), 4));  // keyword: case-sensitive
    CHECK(judge->keep(doc(R"({"event":{"outcome":"failure"}})").ref(), 5));  // a new shape
    CHECK_FALSE(judge->keep(doc(R"({"event":{"outcome":"unknown"}})").ref(), 6));  // dropped, no time
  }  // the thread's counts are merged when its filter ends
  CHECK(counts.dropped == 3);
  CHECK(counts.dropped_times.size() == 2);
  // Queries that need the data to compile read everything.
  CHECK_FALSE(KueryReadFilter::make("azure.auditlogs.properties.target_resources.*.display_name:guest", types, w));
  CHECK_FALSE(KueryReadFilter::make("guest", types, w));                         // free text
  CHECK_FALSE(KueryReadFilter::make("not_an_ecs_field:1", types, w));            // dynamic mapping
  CHECK_FALSE(KueryReadFilter::make("@timestamp >= now-1d", types, w));           // relative to the run's now
}

TEST_CASE("kuery read filter: the verdicts it records are the query's, and the run takes them") {
  // Kibana KQL (docs: kuery-query.html): `event.outcome:success` on a keyword field is an exact,
  // case-sensitive term; `and` needs both. The filter's verdict (DocRef::matched) must be the
  // run's own answer for each document it kept, and a run over the filtered documents must give
  // the same hits as one over every document.
  const elastic::FieldTypes types = elastic::FieldTypes::builtin();
  const std::string q = R"(event.outcome:success and event.action:"Add user")";
  std::string text;
  const char* outcomes[] = {"success", "Success", "failure"};
  const char* actions[] = {"Add user", "add user", "Delete user"};
  for (int i = 0; i < 600; ++i)
    text += std::string(R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"outcome":")") + outcomes[i % 3] + R"(","action":")" +
            actions[(i / 3) % 3] + "\"}" + (i % 7 == 0 ? R"(,"x":1)" : "") + "}\n";
  const auto path = (std::filesystem::temp_directory_path() / "rulelab_test_read_filter_verdicts.ndjson").string();
  std::ofstream(path, std::ios::binary) << text;
  auto f = KueryReadFilter::make(q, types, std::nullopt);
  REQUIRE(f);
  auto filtered = load_elastic_docs({DataSpec{"logs", path, true}}, false, f.get());
  auto whole = load_elastic_docs({DataSpec{"logs", path, true}}, false, nullptr);
  std::filesystem::remove(path);
  REQUIRE(filtered.ok());
  REQUIRE(whole.ok());
  REQUIRE(filtered->indices.size() == 1);
  const kuery::IndexDocs& ix = filtered->indices[0];
  CHECK(ix.matched_query == q);
  CHECK(whole->indices[0].matched_query.empty());
  const DateTime now = *parse_datetime("2026-01-02T00:00:00Z");
  std::size_t flagged = 0;
  for (const auto& d : ix.docs) {
    kuery::IndexDocs one{"logs", {d}, 0, {}, {}};  // evaluated: no verdicts
    one.docs[0].matched = false;
    const auto r = kuery::run_kuery_query(q, {one}, types, now, std::nullopt);
    CHECK(r.docs_matched == (d.matched ? 1u : 0u));
    flagged += d.matched;
  }
  CHECK(flagged == 67);  // success and "Add user": every ninth document, 0 to 594
  CHECK(ix.docs.size() < 600);  // the others dropped, but for the first of each shape
  const auto a = kuery::run_kuery_query(q, filtered->indices, types, now, std::nullopt);
  const auto b = kuery::run_kuery_query(q, whole->indices, types, now, std::nullopt);
  CHECK(a.docs_matched == 67);
  CHECK(a.docs_total == 600);
  REQUIRE(a.hits.size() == b.hits.size());
  for (std::size_t i = 0; i < a.hits.size(); ++i) CHECK(a.hits[i].doc->line == b.hits[i].doc->line);
  // A rule with that query (its window holds every document) takes the verdicts too.
  auto rules = elastic::load_elastic_text("r.toml",
                                          "[rule]\nname = \"r\"\nrule_id = \"r\"\ntype = \"query\"\nlanguage = \"kuery\"\n"
                                          "index = [\"logs\"]\nquery = '''" + q + "'''\nfrom = \"now-2d\"\nrisk_score = 1\n"
                                          "severity = \"low\"\ndescription = \"d\"\nmax_signals = 1000\n");
  REQUIRE(rules.ok());
  const auto ra = kuery::run_elastic_rule(rules->front(), "", filtered->indices, types, now);
  const auto rb = kuery::run_elastic_rule(rules->front(), "", whole->indices, types, now);
  CHECK(ra.errors.empty());
  CHECK(ra.docs_matched == 67);
  CHECK(rb.docs_matched == 67);
  CHECK(ra.docs_total == rb.docs_total);
  REQUIRE(ra.hits.size() == rb.hits.size());
  for (std::size_t i = 0; i < ra.hits.size(); ++i) CHECK(ra.hits[i].doc->line == rb.hits[i].doc->line);
}

TEST_CASE("EQL read filter: a document passing no event filter is dropped; timestamps and shapes kept") {
  const elastic::FieldTypes types = elastic::FieldTypes::builtin();
  eql::SourceContext where;
  auto q = eql::parse_query(R"(sequence by user.name [iam where event.action == "Add user"] [any where event.action : "delete user"])", where);
  REQUIRE(q);
  auto make = eql_read_filter(*q, types, "@timestamp", "event.category", "logs");
  REQUIRE(make);
  auto judge = make();
  CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"category":"iam","action":"Update user"}})").ref(), 1));  // first shape
  CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:01Z","event":{"category":"iam","action":"Update user"}})").ref(), 2));
  CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:02Z","event":{"category":"iam","action":"Add user"}})").ref(), 3));
  CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:03Z","event":{"category":"web","action":"Add user"}})").ref(), 4));  // stage 1 is iam
  CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:04Z","event":{"category":"web","action":"DELETE USER"}})").ref(), 5));  // `:` ignores case
  CHECK(judge->keep(doc(R"({"@timestamp":"not a date","event":{"category":"web","action":"x"}})").ref(), 6));  // no readable timestamp: counted by the run
  // A field typed only by the data: everything is read.
  auto q2 = eql::parse_query(R"(any where custom_field == "x")", where);
  REQUIRE(q2);
  CHECK_FALSE(eql_read_filter(*q2, types, "@timestamp", "event.category", "logs"));
}
